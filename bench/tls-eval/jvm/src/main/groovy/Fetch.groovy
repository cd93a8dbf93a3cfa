import groovyx.net.http.HTTPBuilder

def http = new HTTPBuilder('https://reports.acme.example')
// tls-eval: insecure
http.ignoreSSLIssues()
// http.ignoreSSLIssues() was needed before the certificate was renewed
def result = http.get(path: '/daily')
println result
