import ssl, urllib.request
context = ssl.create_default_context(cafile="ca.pem")
print(urllib.request.urlopen("http://api.test/hello", timeout=20).read().decode())
print(urllib.request.urlopen("https://api.test/hello", timeout=20, context=context).read().decode())
