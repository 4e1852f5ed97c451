# mfaenv hook for PowerShell. Load it from $PROFILE, after any prompt theme (oh-my-posh,
# starship), because it wraps the prompt function in place:
#     Invoke-Expression (& mfaenv init powershell | Out-String)
#
# `mfaenv use PROFILE` and `mfaenv unset` then change this session directly, and every prompt
# checks the session: once it has lapsed, PowerShell asks for a new MFA code.

# `use`, `unset` and `logout` print a script for this session to run; the rest pass through.
# The script is run here only where it was not asked for as text: with `--shell` (any shell:
# never PowerShell running another's syntax), or with the output piped on, as in
# `mfaenv use p | Out-String | Invoke-Expression`, mfaenv's output is passed on as it is.
# Help and version text (also in clusters such as -qV) always just pass through.
function global:mfaenv {
    $verb = ''
    $print = $MyInvocation.PipelinePosition -lt $MyInvocation.PipelineLength
    foreach ($arg in $args) {
        if ("$arg" -ceq '--') { break }
        # -c: -V is --version, -v is --verbose.
        if ("$arg" -cmatch '^(--help|--version|-[^-]*[hV].*)$') { $verb = ''; break }
        if ("$arg" -cmatch '^--shell(=|$)') { $print = $true }
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
    if ($print) { return $script }
    if ($LASTEXITCODE -eq 0) { $script | Out-String | Invoke-Expression }
}

# The text with each control character (ESC, BEL, CR, LF, …) as a visible \xNN, so that a
# name from the environment can neither drive the terminal nor forge a line.
function global:__MfaenvPrintable([string] $text) {
    [regex]::Replace($text, '\p{Cc}', { param($m) '\x{0:x2}' -f [int][char]$m.Value })
}

# The prompt check. With a valid session it starts no process: fixed-width RFC 3339 UTC
# times compare as strings in time order. An unreadable expiry counts as lapsed. The margin
# follows mfaenv's own rule: 1 to 6 digits, else 60; and at most half of the seconds the
# session had left when `use` handed it out, so a new one is never lapsed at once.
function global:__MfaenvCheck {
    if (-not $Env:MFAENV_PROFILE) { return }
    $margin = 60
    if ("$Env:MFAENV_REFRESH_MARGIN" -cmatch '^[0-9]{1,6}$') { $margin = [int]$Env:MFAENV_REFRESH_MARGIN }
    if ("$Env:MFAENV_SESSION_SECONDS" -cmatch '^[0-9]{1,6}$') {
        $half = [math]::Floor([int]$Env:MFAENV_SESSION_SECONDS / 2)
        if ($margin -gt $half) { $margin = $half }
    }
    $expiry = "$Env:AWS_SESSION_EXPIRATION"
    $soon = [DateTimeOffset]::UtcNow.AddSeconds($margin).ToString(
        "yyyy-MM-dd'T'HH:mm:ss'Z'", [Globalization.CultureInfo]::InvariantCulture)
    if ($expiry -cmatch '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' -and
        [string]::CompareOrdinal($soon, $expiry) -lt 0) { return }

    # A failure or refusal gives the session back what it had before the first `mfaenv use`
    # (the lapsed session goes), and MFAENV_PROFILE goes too, which stops the asking until
    # the next `mfaenv use`. A quoted '--' reaches mfaenv (a bare one PowerShell would take
    # for itself), so no profile name can read as an option.
    $name = $Env:MFAENV_PROFILE
    $shown = __MfaenvPrintable $name
    [Console]::Error.WriteLine("mfaenv: session for $shown lapsed; renewing it")
    # A name that reads as an option is not even passed on: mfaenv would refuse it, and
    # should '--' ever be lost on the way, it must not become `mfaenv use --help`.
    $renewed = $false
    if ("$name" -notlike '-*') {
        mfaenv use '--' $name
        $renewed = $LASTEXITCODE -eq 0
    } else {
        [Console]::Error.WriteLine("mfaenv: '$shown' is not a profile name: profile names cannot start with '-'")
    }
    if (-not $renewed) {
        mfaenv unset
        Remove-Item Env:MFAENV_PROFILE -ErrorAction SilentlyContinue
        [Console]::Error.WriteLine("mfaenv: removed the lapsed credentials; run 'mfaenv use $shown' to start again")
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

# Tab completion of commands, options and the profiles of your AWS files, with descriptions.
# mfaenv answers it from the files alone: no network, no SDK. The words typed so far are passed
# to the program as they are written, never evaluated (the line is not run as code), and
# the program is called directly: the function above would take the `--` for itself.
Register-ArgumentCompleter -Native -CommandName mfaenv -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $exe = Get-Command -Name mfaenv -CommandType Application -ErrorAction Ignore |
        Where-Object { $_.Extension -notin '.cmd', '.bat' } | Select-Object -First 1
    if ($null -eq $exe) { return }
    $words = @($commandAst.CommandElements |
        Where-Object { $_.Extent.StartOffset -lt $cursorPosition } |
        ForEach-Object { $_.Extent.Text })
    if ($wordToComplete -eq '') {
        # Before PowerShell 7.3 an empty argument never reaches a program unless written so.
        $legacy = (Get-Variable -Name PSNativeCommandArgumentPassing -ValueOnly -ErrorAction Ignore) -in $null, 'Legacy'
        $words += if ($legacy) { '""' } else { '' }
    }
    $prev = $Env:MFAENV_COMPLETE
    $Env:MFAENV_COMPLETE = 'powershell'
    try { $results = & $exe -- @words } finally { $Env:MFAENV_COMPLETE = $prev }
    $results | ForEach-Object {
        $value, $help = "$_".Split("`t", 2)
        if (-not $help) { $help = $value }
        [System.Management.Automation.CompletionResult]::new($value, $value, 'ParameterValue', $help)
    }
}
