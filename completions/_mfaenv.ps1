
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'mfaenv' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'mfaenv'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'mfaenv' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('use', 'use', [CompletionResultType]::ParameterValue, 'Ask for an MFA code, get a session from STS and print the script that exports it')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Print the script that removes the session''s variables from this shell')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Tell whether this shell holds an mfaenv session and how long it has left (exit 1 if not)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the profiles usable with MFA, their roles and cached sessions (no network)')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Drop cached sessions; prints the unset script when this shell holds that session')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Register a profile''s MFA device: ask for its ARN and save it as mfa_serial')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Ask for an IAM user''s keys, check them with AWS, store them and write the profile')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Move keys from the credentials file into the store (OS keyring or encrypted file)')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Delete a profile''s stored keys and its cached sessions')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Replace a profile''s access key with a new one through IAM, then delete the old one')
            [CompletionResult]::new('credential-process', 'credential-process', [CompletionResultType]::ParameterValue, 'Print the session as AWS credential_process JSON, for the AWS CLI and SDKs')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run one command with the session in its environment; exits with its exit code')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Print the shell hook: `use` and `unset` change the shell itself, lapsed sessions renew')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script for a shell')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mfaenv;use' {
            [CompletionResult]::new('--shell', '--shell', [CompletionResultType]::ParameterName, 'The shell to print for [default: MFAENV_SHELL, else the shell that runs mfaenv]')
            [CompletionResult]::new('--token-code', '--token-code', [CompletionResultType]::ParameterName, 'The 6-digit code, for scripts (else mfa_process, else asked on the terminal)')
            [CompletionResult]::new('--serial-number', '--serial-number', [CompletionResultType]::ParameterName, 'The MFA device''s ARN or serial [default: the profile''s mfa_serial]')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'How long the MFA session lasts: 900 to 129600 seconds, or 90m, 12h [default: 12h]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on STS after this many seconds')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Neither read nor write the session cache')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Ask for a new code even when a cached session is still good')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mfaenv;unset' {
            [CompletionResult]::new('--shell', '--shell', [CompletionResultType]::ParameterName, 'The shell to print for [default: MFAENV_SHELL, else the shell that runs mfaenv]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mfaenv;status' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--short', '--short', [CompletionResultType]::ParameterName, 'One line on stdout for prompts and scripts, `PROFILE 11h58m` (the time left is the last word); nothing, and exit 1, without a valid session. Reads only the environment')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mfaenv;list' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mfaenv;logout' {
            [CompletionResult]::new('--shell', '--shell', [CompletionResultType]::ParameterName, 'The shell to print for [default: MFAENV_SHELL, else the shell that runs mfaenv]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Drop every cached session')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mfaenv;setup' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on STS after this many seconds')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mfaenv;add' {
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'The profile''s region [default: asked, offering the profile''s, AWS_REGION''s or us-east-1]')
            [CompletionResult]::new('--serial-number', '--serial-number', [CompletionResultType]::ParameterName, 'The MFA device''s ARN [default: asked, offering the one named like the IAM user]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on STS after this many seconds')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Take the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead of asking')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mfaenv;import' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every profile with keys in the credentials file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mfaenv;remove' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mfaenv;rotate' {
            [CompletionResult]::new('--token-code', '--token-code', [CompletionResultType]::ParameterName, 'The 6-digit code, for scripts (else mfa_process, else asked on the terminal)')
            [CompletionResult]::new('--serial-number', '--serial-number', [CompletionResultType]::ParameterName, 'The MFA device''s ARN or serial [default: the profile''s mfa_serial]')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'How long the MFA session lasts: 900 to 129600 seconds, or 90m, 12h [default: 12h]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on STS after this many seconds')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Neither read nor write the session cache')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Ask for a new code even when a cached session is still good')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mfaenv;credential-process' {
            [CompletionResult]::new('--token-code', '--token-code', [CompletionResultType]::ParameterName, 'The 6-digit code, for scripts (else mfa_process, else asked on the terminal)')
            [CompletionResult]::new('--serial-number', '--serial-number', [CompletionResultType]::ParameterName, 'The MFA device''s ARN or serial [default: the profile''s mfa_serial]')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'How long the MFA session lasts: 900 to 129600 seconds, or 90m, 12h [default: 12h]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on STS after this many seconds')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Neither read nor write the session cache')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Ask for a new code even when a cached session is still good')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mfaenv;exec' {
            [CompletionResult]::new('--token-code', '--token-code', [CompletionResultType]::ParameterName, 'The 6-digit code, for scripts (else mfa_process, else asked on the terminal)')
            [CompletionResult]::new('--serial-number', '--serial-number', [CompletionResultType]::ParameterName, 'The MFA device''s ARN or serial [default: the profile''s mfa_serial]')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'How long the MFA session lasts: 900 to 129600 seconds, or 90m, 12h [default: 12h]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on STS after this many seconds')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Neither read nor write the session cache')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Ask for a new code even when a cached session is still good')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mfaenv;init' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mfaenv;completions' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notices, only errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mfaenv;help' {
            [CompletionResult]::new('use', 'use', [CompletionResultType]::ParameterValue, 'Ask for an MFA code, get a session from STS and print the script that exports it')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Print the script that removes the session''s variables from this shell')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Tell whether this shell holds an mfaenv session and how long it has left (exit 1 if not)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the profiles usable with MFA, their roles and cached sessions (no network)')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Drop cached sessions; prints the unset script when this shell holds that session')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Register a profile''s MFA device: ask for its ARN and save it as mfa_serial')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Ask for an IAM user''s keys, check them with AWS, store them and write the profile')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Move keys from the credentials file into the store (OS keyring or encrypted file)')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Delete a profile''s stored keys and its cached sessions')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Replace a profile''s access key with a new one through IAM, then delete the old one')
            [CompletionResult]::new('credential-process', 'credential-process', [CompletionResultType]::ParameterValue, 'Print the session as AWS credential_process JSON, for the AWS CLI and SDKs')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run one command with the session in its environment; exits with its exit code')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Print the shell hook: `use` and `unset` change the shell itself, lapsed sessions renew')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script for a shell')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mfaenv;help;use' {
            break
        }
        'mfaenv;help;unset' {
            break
        }
        'mfaenv;help;status' {
            break
        }
        'mfaenv;help;list' {
            break
        }
        'mfaenv;help;logout' {
            break
        }
        'mfaenv;help;setup' {
            break
        }
        'mfaenv;help;add' {
            break
        }
        'mfaenv;help;import' {
            break
        }
        'mfaenv;help;remove' {
            break
        }
        'mfaenv;help;rotate' {
            break
        }
        'mfaenv;help;credential-process' {
            break
        }
        'mfaenv;help;exec' {
            break
        }
        'mfaenv;help;init' {
            break
        }
        'mfaenv;help;completions' {
            break
        }
        'mfaenv;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
