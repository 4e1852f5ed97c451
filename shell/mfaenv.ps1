# mfaenv hook for PowerShell. Load it from $PROFILE, after any prompt theme (oh-my-posh,
# starship), because it wraps the prompt function in place:
#     Invoke-Expression (& mfaenv init powershell | Out-String)
#
# `mfaenv use PROFILE` and `mfaenv unset` then change this session directly, and every prompt
# checks the session: once it has lapsed, PowerShell asks for a new MFA code.

# `use`, `unset` and `logout` print a script for this session to run; the rest pass through.
function global:mfaenv {
    $verb = ''
    foreach ($arg in $args) {
        # -cin: -V is --version, -v is --verbose.
        if ("$arg" -cin '-h', '--help', '-V', '--version') { $verb = ''; break }
        if (-not $verb -and "$arg" -notlike '-*') { $verb = "$arg" }
    }
    # The program, never this function nor the mfaenv.cmd wrapper for cmd.exe.
    $exe = Get-Command -Name mfaenv -CommandType Application -ErrorAction Stop |
        Where-Object { $_.Extension -notin '.cmd', '.bat' } | Select-Object -First 1
    if ($verb -notin 'use', 'unset', 'logout') {
        & $exe @args
        return
    }
    # MFAENV_SHELL goes to mfaenv alone: a child shell without this hook must not inherit it.
    # mfaenv prints UTF-8, which Windows PowerShell would read in the console's code page.
    $shell = $Env:MFAENV_SHELL
    $encoding = [Console]::OutputEncoding
    $Env:MFAENV_SHELL = 'powershell'
    try {
        try { [Console]::OutputEncoding = [Text.UTF8Encoding]::new($false) } catch { }
        $script = & $exe @args
    } finally {
        $Env:MFAENV_SHELL = $shell
        try { [Console]::OutputEncoding = $encoding } catch { }
    }
    if ($LASTEXITCODE -eq 0) { $script | Out-String | Invoke-Expression }
}

# The prompt check. With a valid session it starts no process: fixed-width RFC 3339 UTC
# times compare as strings in time order. An unreadable expiry counts as lapsed.
function global:__MfaenvCheck {
    if (-not $Env:MFAENV_PROFILE) { return }
    $margin = 60
    if ("$Env:MFAENV_REFRESH_MARGIN" -cmatch '^[0-9]{1,6}$') { $margin = [int]$Env:MFAENV_REFRESH_MARGIN }
    $expiry = "$Env:AWS_SESSION_EXPIRATION"
    $soon = [DateTimeOffset]::UtcNow.AddSeconds($margin).ToString(
        "yyyy-MM-dd'T'HH:mm:ss'Z'", [Globalization.CultureInfo]::InvariantCulture)
    if ($expiry -cmatch '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' -and
        [string]::CompareOrdinal($soon, $expiry) -lt 0) { return }

    # A failure or refusal removes the lapsed session, which also stops the asking
    # (MFAENV_PROFILE goes with it) until the next `mfaenv use`.
    $name = $Env:MFAENV_PROFILE
    [Console]::Error.WriteLine("mfaenv: session for $name lapsed; renewing it")
    mfaenv use $name
    if ($LASTEXITCODE -ne 0) {
        mfaenv unset
        Remove-Item Env:MFAENV_PROFILE -ErrorAction SilentlyContinue
        [Console]::Error.WriteLine("mfaenv: removed the lapsed credentials; run 'mfaenv use $name' to start again")
    }
}

# Wraps the prompt in place (a theme's too), once however often this file is loaded; the
# wrapped prompt still sees the user's $? and $LASTEXITCODE and its output is kept as is.
if ("$function:prompt" -notmatch '__MfaenvCheck') {
    $global:__MfaenvPrompt = $function:prompt
    function global:prompt {
        $ok = $global:?
        $code = Get-Variable -Name LASTEXITCODE -Scope Global -ValueOnly -ErrorAction Ignore
        # Only the wrapped prompt's output is the prompt; a broken check must not break it.
        try { $null = __MfaenvCheck } catch { [Console]::Error.WriteLine("mfaenv: $_") }
        if ($null -eq $code) {
            Remove-Variable -Name LASTEXITCODE -Scope Global -ErrorAction Ignore
        } else {
            $global:LASTEXITCODE = $code
        }
        # $? cannot be assigned: a failed command that reports nothing sets it back to false.
        if (-not $ok) { Write-Error '' -ErrorAction Ignore }
        & $global:__MfaenvPrompt
    }
}
