"""A typical chat-model answer: summarise a small CSV with the standard library only."""
import csv
import io
import statistics

DATA = """city,month,temperature
Oslo,Jan,-4.3
Oslo,Jul,16.4
Lisbon,Jan,11.6
Lisbon,Jul,23.3
Nairobi,Jan,19.3
Nairobi,Jul,15.8
"""

rows = list(csv.DictReader(io.StringIO(DATA)))
by_city = {}
for row in rows:
    by_city.setdefault(row["city"], []).append(float(row["temperature"]))

for city, temps in sorted(by_city.items()):
    print(f"{city:8} mean {statistics.mean(temps):5.1f} °C  range {max(temps) - min(temps):4.1f}")
