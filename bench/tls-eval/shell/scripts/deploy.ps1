param(
    [string]$Uri = 'https://api.example.com/v1/deploy',
    [string]$ApiKey = $env:API_KEY
)

$headers = @{ 'x-api-key' = $ApiKey }

# tls-eval: insecure
Invoke-RestMethod -Uri $Uri -Method Post -Headers $headers -SkipCertificateCheck
Invoke-RestMethod -Uri $Uri -Method Post -Headers $headers
Invoke-RestMethod -Uri $Uri -Method Get -SkipCertificateCheck:$false

# tls-eval: insecure
Invoke-WebRequest -Uri "$Uri/artifact" `
    -Headers $headers `
    -SkipCertificateCheck `
    -OutFile artifact.zip

# tls-eval: insecure
$PSDefaultParameterValues['Invoke-RestMethod:SkipCertificateCheck'] = $true

if ($PSVersionTable.PSVersion.Major -lt 6) {
    # tls-eval: insecure
    [System.Net.ServicePointManager]::ServerCertificateValidationCallback = { $true }
}
[System.Net.ServicePointManager]::ServerCertificateValidationCallback = $null

# tls-eval: insecure
[System.Net.ServicePointManager]::CertificatePolicy = New-Object TrustAllCertsPolicy

# tls-eval: insecure
$opt = New-PSSessionOption -SkipCACheck -SkipCNCheck
$safe = New-PSSessionOption -SkipRevocationCheck
Write-Host 'Do not add -SkipCertificateCheck to this script.'
