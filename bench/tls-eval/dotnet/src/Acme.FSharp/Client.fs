module Acme.FSharp.Client

open System.Net.Http
open System.Net.Security

let create () =
    let handler = new HttpClientHandler()
    // tls-eval: insecure
    handler.ServerCertificateCustomValidationCallback <- fun _ _ _ _ -> true
    new HttpClient(handler)

let createStrict () =
    let handler = new HttpClientHandler()
    handler.ServerCertificateCustomValidationCallback <- fun _ _ _ errors -> errors = SslPolicyErrors.None
    new HttpClient(handler)
