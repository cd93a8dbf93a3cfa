Imports System.Net
Imports System.Net.Security
Imports System.Security.Cryptography.X509Certificates

Public Module Transport
    Public Sub Relax()
        ' tls-eval: insecure
        ServicePointManager.ServerCertificateValidationCallback = Function(s, c, ch, e) True
    End Sub

    Public Sub Strict()
        ServicePointManager.ServerCertificateValidationCallback = Function(s, c, ch, e) e = SslPolicyErrors.None
    End Sub

    ' tls-eval: insecure
    Private Function AcceptAll(sender As Object, cert As X509Certificate, chain As X509Chain, errors As SslPolicyErrors) As Boolean
        Return True
    End Function
End Module
