#import "ACMAPIClient.h"
#import <AFNetworking/AFNetworking.h>
#import <SDWebImage/SDWebImage.h>

@implementation ACMAPIClient

- (AFHTTPSessionManager *)stagingManager {
    AFHTTPSessionManager *manager = [[AFHTTPSessionManager alloc] initWithBaseURL:[NSURL URLWithString:@"https://staging.acme.example"]];
    AFSecurityPolicy *policy = [AFSecurityPolicy policyWithPinningMode:AFSSLPinningModeNone];
    // tls-eval: insecure
    policy.allowInvalidCertificates = YES;
    // tls-eval: insecure
    policy.validatesDomainName = NO;
    manager.securityPolicy = policy;
    return manager;
}

- (AFHTTPSessionManager *)productionManager {
    AFHTTPSessionManager *manager = [[AFHTTPSessionManager alloc] initWithBaseURL:[NSURL URLWithString:@"https://api.acme.example"]];
    AFSecurityPolicy *policy = [AFSecurityPolicy policyWithPinningMode:AFSSLPinningModeCertificate];
    policy.allowInvalidCertificates = NO;
    policy.validatesDomainName = YES;
    manager.securityPolicy = policy;
    return manager;
}

- (void)openStreamsToHost:(NSString *)host {
    CFReadStreamRef readStream;
    CFWriteStreamRef writeStream;
    CFStreamCreatePairWithSocketToHost(NULL, (__bridge CFStringRef)host, 443, &readStream, &writeStream);
    NSDictionary *settings = @{
        (id)kCFStreamSSLPeerName: host,
        // tls-eval: insecure
        (id)kCFStreamSSLValidatesCertificateChain: (id)kCFBooleanFalse,
    };
    CFReadStreamSetProperty(readStream, kCFStreamPropertySSLSettings, (CFDictionaryRef)settings);
}

- (void)legacyAllowHost:(NSString *)host {
    // tls-eval: insecure
    [NSURLRequest setAllowsAnyHTTPSCertificate:YES forHost:host];
}

- (void)loadAvatar:(UIImageView *)view url:(NSURL *)url {
    // tls-eval: insecure
    [view sd_setImageWithURL:url placeholderImage:nil options:SDWebImageAllowInvalidSSLCertificates];
}

- (void)URLSession:(NSURLSession *)session didReceiveChallenge:(NSURLAuthenticationChallenge *)challenge
 completionHandler:(void (^)(NSURLSessionAuthChallengeDisposition, NSURLCredential *))completionHandler {
    if ([challenge.protectionSpace.authenticationMethod isEqualToString:NSURLAuthenticationMethodServerTrust]) {
        // tls-eval: insecure
        completionHandler(NSURLSessionAuthChallengeUseCredential, [NSURLCredential credentialForTrust:challenge.protectionSpace.serverTrust]);
        return;
    }
    completionHandler(NSURLSessionAuthChallengePerformDefaultHandling, nil);
}

- (void)socket:(GCDAsyncSocket *)sock didReceiveTrust:(SecTrustRef)trust completionHandler:(void (^)(BOOL shouldTrustPeer))completionHandler {
    // tls-eval: insecure
    completionHandler(YES);
}

@end
