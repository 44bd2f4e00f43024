import urllib.request
while True:
    urllib.request.urlopen("http://big.test/big", timeout=20).read()
    print("one more", flush=True)
