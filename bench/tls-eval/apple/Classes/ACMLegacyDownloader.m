#import "ASIHTTPRequest.h"

// Old downloader. [request setValidatesSecureCertificate:NO] was removed in 2.3.
@implementation ACMLegacyDownloader

- (void)fetch:(NSURL *)url {
    ASIHTTPRequest *request = [ASIHTTPRequest requestWithURL:url];
    // tls-eval: insecure
    [request setValidatesSecureCertificate:NO];
    [request startAsynchronous];
}

- (void)fetchSafely:(NSURL *)url {
    ASIHTTPRequest *request = [ASIHTTPRequest requestWithURL:url];
    [request setValidatesSecureCertificate:YES];
    [request startAsynchronous];
}

@end
