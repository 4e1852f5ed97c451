# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_mfaenv_global_optspecs
    string join \n v/verbose q/quiet h/help V/version
end

function __fish_mfaenv_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_mfaenv_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_mfaenv_using_subcommand
    set -l cmd (__fish_mfaenv_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c mfaenv -n "__fish_mfaenv_needs_command" -s v -l verbose -d 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
complete -c mfaenv -n "__fish_mfaenv_needs_command" -s q -l quiet -d 'Print no notices, only errors'
complete -c mfaenv -n "__fish_mfaenv_needs_command" -s h -l help -d 'Print help'
complete -c mfaenv -n "__fish_mfaenv_needs_command" -s V -l version -d 'Print version'
complete -c mfaenv -n "__fish_mfaenv_needs_command" -f -a "use" -d 'Ask for an MFA code, get a session from STS and print the script that exports it'
complete -c mfaenv -n "__fish_mfaenv_needs_command" -f -a "unset" -d 'Print the script that removes the session\'s variables from this shell'
complete -c mfaenv -n "__fish_mfaenv_needs_command" -f -a "status" -d 'Tell whether this shell holds an mfaenv session and how long it has left (exit 1 if not)'
complete -c mfaenv -n "__fish_mfaenv_needs_command" -f -a "list" -d 'List the profiles usable with MFA, their roles and cached sessions (no network)'
complete -c mfaenv -n "__fish_mfaenv_needs_command" -f -a "logout" -d 'Drop cached sessions; prints the unset script when this shell holds that session'
complete -c mfaenv -n "__fish_mfaenv_needs_command" -f -a "setup" -d 'Register a profile\'s MFA device: ask for its ARN and save it as mfa_serial'
complete -c mfaenv -n "__fish_mfaenv_needs_command" -f -a "add" -d 'Ask for an IAM user\'s keys, check them with AWS, store them and write the profile'
complete -c mfaenv -n "__fish_mfaenv_needs_command" -f -a "import" -d 'Move keys from the credentials file into the store (OS keyring or encrypted file)'
complete -c mfaenv -n "__fish_mfaenv_needs_command" -f -a "remove" -d 'Delete a profile\'s stored keys and its cached sessions'
complete -c mfaenv -n "__fish_mfaenv_needs_command" -f -a "rotate" -d 'Replace a profile\'s access key with a new one through IAM, then delete the old one'
complete -c mfaenv -n "__fish_mfaenv_needs_command" -f -a "credential-process" -d 'Print the session as AWS credential_process JSON, for the AWS CLI and SDKs'
complete -c mfaenv -n "__fish_mfaenv_needs_command" -f -a "exec" -d 'Run one command with the session in its environment; exits with its exit code'
complete -c mfaenv -n "__fish_mfaenv_needs_command" -f -a "init" -d 'Print the shell hook: `use` and `unset` change the shell itself, lapsed sessions renew'
complete -c mfaenv -n "__fish_mfaenv_needs_command" -f -a "completions" -d 'Print the completion script for a shell'
complete -c mfaenv -n "__fish_mfaenv_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand use" -l shell -d 'The shell to print for [default: MFAENV_SHELL, else the shell that runs mfaenv]' -r -f -a "bash\t'GNU bash'
zsh\t'Z shell'
fish\t'fish'
powershell\t'Windows PowerShell and PowerShell (pwsh)'
cmd\t'Windows cmd.exe'
nu\t'Nushell: the scripts are JSON data, applied with `load-env` and `hide-env`'"
complete -c mfaenv -n "__fish_mfaenv_using_subcommand use" -l token-code -d 'The 6-digit code, for scripts (else mfa_process, else asked on the terminal)' -r
complete -c mfaenv -n "__fish_mfaenv_using_subcommand use" -l serial-number -d 'The MFA device\'s ARN or serial [default: the profile\'s mfa_serial]' -r
complete -c mfaenv -n "__fish_mfaenv_using_subcommand use" -l duration -d 'How long the MFA session lasts: 900 to 129600 seconds, or 90m, 12h [default: 12h]' -r
complete -c mfaenv -n "__fish_mfaenv_using_subcommand use" -l timeout -d 'Give up on STS after this many seconds' -r
complete -c mfaenv -n "__fish_mfaenv_using_subcommand use" -s v -l verbose -d 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand use" -s q -l quiet -d 'Print no notices, only errors'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand use" -l no-cache -d 'Neither read nor write the session cache'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand use" -l force -d 'Ask for a new code even when a cached session is still good'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand use" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand use" -s V -l version -d 'Print version'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand unset" -l shell -d 'The shell to print for [default: MFAENV_SHELL, else the shell that runs mfaenv]' -r -f -a "bash\t'GNU bash'
zsh\t'Z shell'
fish\t'fish'
powershell\t'Windows PowerShell and PowerShell (pwsh)'
cmd\t'Windows cmd.exe'
nu\t'Nushell: the scripts are JSON data, applied with `load-env` and `hide-env`'"
complete -c mfaenv -n "__fish_mfaenv_using_subcommand unset" -s v -l verbose -d 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand unset" -s q -l quiet -d 'Print no notices, only errors'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand unset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand unset" -s V -l version -d 'Print version'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand status" -s v -l verbose -d 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand status" -s q -l quiet -d 'Print no notices, only errors'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand status" -l short -d 'One line on stdout for prompts and scripts, `PROFILE 11h58m` (the time left is the last word); nothing, and exit 1, without a valid session. Reads only the environment'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand status" -s h -l help -d 'Print help'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand status" -s V -l version -d 'Print version'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand list" -s v -l verbose -d 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand list" -s q -l quiet -d 'Print no notices, only errors'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand list" -s h -l help -d 'Print help'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand list" -s V -l version -d 'Print version'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand logout" -l shell -d 'The shell to print for [default: MFAENV_SHELL, else the shell that runs mfaenv]' -r -f -a "bash\t'GNU bash'
zsh\t'Z shell'
fish\t'fish'
powershell\t'Windows PowerShell and PowerShell (pwsh)'
cmd\t'Windows cmd.exe'
nu\t'Nushell: the scripts are JSON data, applied with `load-env` and `hide-env`'"
complete -c mfaenv -n "__fish_mfaenv_using_subcommand logout" -s v -l verbose -d 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand logout" -s q -l quiet -d 'Print no notices, only errors'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand logout" -l all -d 'Drop every cached session'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand logout" -s V -l version -d 'Print version'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand setup" -l timeout -d 'Give up on STS after this many seconds' -r
complete -c mfaenv -n "__fish_mfaenv_using_subcommand setup" -s v -l verbose -d 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand setup" -s q -l quiet -d 'Print no notices, only errors'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand setup" -s h -l help -d 'Print help'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand setup" -s V -l version -d 'Print version'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand add" -l region -d 'The profile\'s region [default: asked, offering the profile\'s, AWS_REGION\'s or us-east-1]' -r
complete -c mfaenv -n "__fish_mfaenv_using_subcommand add" -l serial-number -d 'The MFA device\'s ARN [default: asked, offering the one named like the IAM user]' -r
complete -c mfaenv -n "__fish_mfaenv_using_subcommand add" -l timeout -d 'Give up on STS after this many seconds' -r
complete -c mfaenv -n "__fish_mfaenv_using_subcommand add" -s v -l verbose -d 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand add" -s q -l quiet -d 'Print no notices, only errors'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand add" -l env -d 'Take the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead of asking'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand add" -s h -l help -d 'Print help'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand add" -s V -l version -d 'Print version'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand import" -s v -l verbose -d 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand import" -s q -l quiet -d 'Print no notices, only errors'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand import" -l all -d 'Every profile with keys in the credentials file'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand import" -s h -l help -d 'Print help'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand import" -s V -l version -d 'Print version'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand remove" -s v -l verbose -d 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand remove" -s q -l quiet -d 'Print no notices, only errors'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand remove" -s y -l yes -d 'Do not ask for confirmation'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand remove" -s h -l help -d 'Print help'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand remove" -s V -l version -d 'Print version'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand rotate" -l token-code -d 'The 6-digit code, for scripts (else mfa_process, else asked on the terminal)' -r
complete -c mfaenv -n "__fish_mfaenv_using_subcommand rotate" -l serial-number -d 'The MFA device\'s ARN or serial [default: the profile\'s mfa_serial]' -r
complete -c mfaenv -n "__fish_mfaenv_using_subcommand rotate" -l duration -d 'How long the MFA session lasts: 900 to 129600 seconds, or 90m, 12h [default: 12h]' -r
complete -c mfaenv -n "__fish_mfaenv_using_subcommand rotate" -l timeout -d 'Give up on STS after this many seconds' -r
complete -c mfaenv -n "__fish_mfaenv_using_subcommand rotate" -s v -l verbose -d 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand rotate" -s q -l quiet -d 'Print no notices, only errors'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand rotate" -l no-cache -d 'Neither read nor write the session cache'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand rotate" -l force -d 'Ask for a new code even when a cached session is still good'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand rotate" -s h -l help -d 'Print help'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand rotate" -s V -l version -d 'Print version'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand credential-process" -l token-code -d 'The 6-digit code, for scripts (else mfa_process, else asked on the terminal)' -r
complete -c mfaenv -n "__fish_mfaenv_using_subcommand credential-process" -l serial-number -d 'The MFA device\'s ARN or serial [default: the profile\'s mfa_serial]' -r
complete -c mfaenv -n "__fish_mfaenv_using_subcommand credential-process" -l duration -d 'How long the MFA session lasts: 900 to 129600 seconds, or 90m, 12h [default: 12h]' -r
complete -c mfaenv -n "__fish_mfaenv_using_subcommand credential-process" -l timeout -d 'Give up on STS after this many seconds' -r
complete -c mfaenv -n "__fish_mfaenv_using_subcommand credential-process" -s v -l verbose -d 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand credential-process" -s q -l quiet -d 'Print no notices, only errors'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand credential-process" -l no-cache -d 'Neither read nor write the session cache'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand credential-process" -l force -d 'Ask for a new code even when a cached session is still good'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand credential-process" -s h -l help -d 'Print help'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand credential-process" -s V -l version -d 'Print version'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand exec" -l token-code -d 'The 6-digit code, for scripts (else mfa_process, else asked on the terminal)' -r
complete -c mfaenv -n "__fish_mfaenv_using_subcommand exec" -l serial-number -d 'The MFA device\'s ARN or serial [default: the profile\'s mfa_serial]' -r
complete -c mfaenv -n "__fish_mfaenv_using_subcommand exec" -l duration -d 'How long the MFA session lasts: 900 to 129600 seconds, or 90m, 12h [default: 12h]' -r
complete -c mfaenv -n "__fish_mfaenv_using_subcommand exec" -l timeout -d 'Give up on STS after this many seconds' -r
complete -c mfaenv -n "__fish_mfaenv_using_subcommand exec" -s v -l verbose -d 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand exec" -s q -l quiet -d 'Print no notices, only errors'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand exec" -l no-cache -d 'Neither read nor write the session cache'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand exec" -l force -d 'Ask for a new code even when a cached session is still good'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand exec" -s h -l help -d 'Print help'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand exec" -s V -l version -d 'Print version'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand init" -s v -l verbose -d 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand init" -s q -l quiet -d 'Print no notices, only errors'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand init" -s V -l version -d 'Print version'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand completions" -s v -l verbose -d 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand completions" -s q -l quiet -d 'Print no notices, only errors'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand completions" -s h -l help -d 'Print help'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand completions" -s V -l version -d 'Print version'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand help; and not __fish_seen_subcommand_from use unset status list logout setup add import remove rotate credential-process exec init completions help" -f -a "use" -d 'Ask for an MFA code, get a session from STS and print the script that exports it'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand help; and not __fish_seen_subcommand_from use unset status list logout setup add import remove rotate credential-process exec init completions help" -f -a "unset" -d 'Print the script that removes the session\'s variables from this shell'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand help; and not __fish_seen_subcommand_from use unset status list logout setup add import remove rotate credential-process exec init completions help" -f -a "status" -d 'Tell whether this shell holds an mfaenv session and how long it has left (exit 1 if not)'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand help; and not __fish_seen_subcommand_from use unset status list logout setup add import remove rotate credential-process exec init completions help" -f -a "list" -d 'List the profiles usable with MFA, their roles and cached sessions (no network)'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand help; and not __fish_seen_subcommand_from use unset status list logout setup add import remove rotate credential-process exec init completions help" -f -a "logout" -d 'Drop cached sessions; prints the unset script when this shell holds that session'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand help; and not __fish_seen_subcommand_from use unset status list logout setup add import remove rotate credential-process exec init completions help" -f -a "setup" -d 'Register a profile\'s MFA device: ask for its ARN and save it as mfa_serial'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand help; and not __fish_seen_subcommand_from use unset status list logout setup add import remove rotate credential-process exec init completions help" -f -a "add" -d 'Ask for an IAM user\'s keys, check them with AWS, store them and write the profile'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand help; and not __fish_seen_subcommand_from use unset status list logout setup add import remove rotate credential-process exec init completions help" -f -a "import" -d 'Move keys from the credentials file into the store (OS keyring or encrypted file)'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand help; and not __fish_seen_subcommand_from use unset status list logout setup add import remove rotate credential-process exec init completions help" -f -a "remove" -d 'Delete a profile\'s stored keys and its cached sessions'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand help; and not __fish_seen_subcommand_from use unset status list logout setup add import remove rotate credential-process exec init completions help" -f -a "rotate" -d 'Replace a profile\'s access key with a new one through IAM, then delete the old one'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand help; and not __fish_seen_subcommand_from use unset status list logout setup add import remove rotate credential-process exec init completions help" -f -a "credential-process" -d 'Print the session as AWS credential_process JSON, for the AWS CLI and SDKs'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand help; and not __fish_seen_subcommand_from use unset status list logout setup add import remove rotate credential-process exec init completions help" -f -a "exec" -d 'Run one command with the session in its environment; exits with its exit code'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand help; and not __fish_seen_subcommand_from use unset status list logout setup add import remove rotate credential-process exec init completions help" -f -a "init" -d 'Print the shell hook: `use` and `unset` change the shell itself, lapsed sessions renew'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand help; and not __fish_seen_subcommand_from use unset status list logout setup add import remove rotate credential-process exec init completions help" -f -a "completions" -d 'Print the completion script for a shell'
complete -c mfaenv -n "__fish_mfaenv_using_subcommand help; and not __fish_seen_subcommand_from use unset status list logout setup add import remove rotate credential-process exec init completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
