import urllib.error, urllib.request
for name in ("api.test", "other.test"):
    try:
        urllib.request.urlopen("http://%s/" % name, timeout=20).read()
        print(name, "reached")
    except urllib.error.HTTPError as error:
        print(name, "refused", error.code)
