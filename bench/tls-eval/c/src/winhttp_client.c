#include <windows.h>
#include <winhttp.h>
#define SECURITY_FLAG_IGNORE_ALL_CERT_ERRORS_LOCAL 0x3300

BOOL open_insecure(HINTERNET request)
{
    /* tls-eval: insecure */
    DWORD flags = SECURITY_FLAG_IGNORE_UNKNOWN_CA |
                  SECURITY_FLAG_IGNORE_CERT_DATE_INVALID;
    return WinHttpSetOption(request, WINHTTP_OPTION_SECURITY_FLAGS, &flags, sizeof(flags));
}

void clear_flags(DWORD *flags)
{
    *flags &= ~SECURITY_FLAG_IGNORE_UNKNOWN_CA;
}

void schannel_creds(SCHANNEL_CRED *cred)
{
    /* tls-eval: insecure */
    cred->dwFlags = SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS;
}

void schannel_creds_safe(SCHANNEL_CRED *cred)
{
    cred->dwFlags = SCH_CRED_AUTO_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS;
}
