# Grows until the memory limit stops it: the run ends as out_of_memory, the machine is untouched.
blocks = []
while True:
    blocks.append(bytearray(10**7))
    print(f"{len(blocks) * 10} MB", flush=True)
