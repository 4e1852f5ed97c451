
use builtin;
use str;

set edit:completion:arg-completer[mfaenv] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'mfaenv'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'mfaenv'= {
            cand -v 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand --verbose 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand -q 'Print no notices, only errors'
            cand --quiet 'Print no notices, only errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand use 'Ask for an MFA code, get a session from STS and print the script that exports it'
            cand unset 'Print the script that removes the session''s variables from this shell'
            cand status 'Tell whether this shell holds an mfaenv session and how long it has left (exit 1 if not)'
            cand list 'List the profiles usable with MFA, their roles and cached sessions (no network)'
            cand logout 'Drop cached sessions; prints the unset script when this shell holds that session'
            cand setup 'Register a profile''s MFA device: ask for its ARN and save it as mfa_serial'
            cand add 'Ask for an IAM user''s keys, check them with AWS, store them and write the profile'
            cand import 'Move keys from the credentials file into the store (OS keyring or encrypted file)'
            cand remove 'Delete a profile''s stored keys and its cached sessions'
            cand rotate 'Replace a profile''s access key with a new one through IAM, then delete the old one'
            cand credential-process 'Print the session as AWS credential_process JSON, for the AWS CLI and SDKs'
            cand exec 'Run one command with the session in its environment; exits with its exit code'
            cand init 'Print the shell hook: `use` and `unset` change the shell itself, lapsed sessions renew'
            cand completions 'Print the completion script for a shell'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mfaenv;use'= {
            cand --shell 'The shell to print for [default: MFAENV_SHELL, else the shell that runs mfaenv]'
            cand --token-code 'The 6-digit code, for scripts (else mfa_process, else asked on the terminal)'
            cand --serial-number 'The MFA device''s ARN or serial [default: the profile''s mfa_serial]'
            cand --duration 'How long the MFA session lasts: 900 to 129600 seconds, or 90m, 12h [default: 12h]'
            cand --timeout 'Give up on STS after this many seconds'
            cand -v 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand --verbose 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand -q 'Print no notices, only errors'
            cand --quiet 'Print no notices, only errors'
            cand --no-cache 'Neither read nor write the session cache'
            cand --force 'Ask for a new code even when a cached session is still good'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mfaenv;unset'= {
            cand --shell 'The shell to print for [default: MFAENV_SHELL, else the shell that runs mfaenv]'
            cand -v 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand --verbose 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand -q 'Print no notices, only errors'
            cand --quiet 'Print no notices, only errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mfaenv;status'= {
            cand -v 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand --verbose 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand -q 'Print no notices, only errors'
            cand --quiet 'Print no notices, only errors'
            cand --short 'One line on stdout for prompts and scripts, `PROFILE 11h58m` (the time left is the last word); nothing, and exit 1, without a valid session. Reads only the environment'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mfaenv;list'= {
            cand -v 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand --verbose 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand -q 'Print no notices, only errors'
            cand --quiet 'Print no notices, only errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mfaenv;logout'= {
            cand --shell 'The shell to print for [default: MFAENV_SHELL, else the shell that runs mfaenv]'
            cand -v 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand --verbose 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand -q 'Print no notices, only errors'
            cand --quiet 'Print no notices, only errors'
            cand --all 'Drop every cached session'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mfaenv;setup'= {
            cand --timeout 'Give up on STS after this many seconds'
            cand -v 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand --verbose 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand -q 'Print no notices, only errors'
            cand --quiet 'Print no notices, only errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mfaenv;add'= {
            cand --region 'The profile''s region [default: asked, offering the profile''s, AWS_REGION''s or us-east-1]'
            cand --serial-number 'The MFA device''s ARN [default: asked, offering the one named like the IAM user]'
            cand --timeout 'Give up on STS after this many seconds'
            cand -v 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand --verbose 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand -q 'Print no notices, only errors'
            cand --quiet 'Print no notices, only errors'
            cand --env 'Take the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead of asking'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mfaenv;import'= {
            cand -v 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand --verbose 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand -q 'Print no notices, only errors'
            cand --quiet 'Print no notices, only errors'
            cand --all 'Every profile with keys in the credentials file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mfaenv;remove'= {
            cand -v 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand --verbose 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand -q 'Print no notices, only errors'
            cand --quiet 'Print no notices, only errors'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mfaenv;rotate'= {
            cand --token-code 'The 6-digit code, for scripts (else mfa_process, else asked on the terminal)'
            cand --serial-number 'The MFA device''s ARN or serial [default: the profile''s mfa_serial]'
            cand --duration 'How long the MFA session lasts: 900 to 129600 seconds, or 90m, 12h [default: 12h]'
            cand --timeout 'Give up on STS after this many seconds'
            cand -v 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand --verbose 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand -q 'Print no notices, only errors'
            cand --quiet 'Print no notices, only errors'
            cand --no-cache 'Neither read nor write the session cache'
            cand --force 'Ask for a new code even when a cached session is still good'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mfaenv;credential-process'= {
            cand --token-code 'The 6-digit code, for scripts (else mfa_process, else asked on the terminal)'
            cand --serial-number 'The MFA device''s ARN or serial [default: the profile''s mfa_serial]'
            cand --duration 'How long the MFA session lasts: 900 to 129600 seconds, or 90m, 12h [default: 12h]'
            cand --timeout 'Give up on STS after this many seconds'
            cand -v 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand --verbose 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand -q 'Print no notices, only errors'
            cand --quiet 'Print no notices, only errors'
            cand --no-cache 'Neither read nor write the session cache'
            cand --force 'Ask for a new code even when a cached session is still good'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mfaenv;exec'= {
            cand --token-code 'The 6-digit code, for scripts (else mfa_process, else asked on the terminal)'
            cand --serial-number 'The MFA device''s ARN or serial [default: the profile''s mfa_serial]'
            cand --duration 'How long the MFA session lasts: 900 to 129600 seconds, or 90m, 12h [default: 12h]'
            cand --timeout 'Give up on STS after this many seconds'
            cand -v 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand --verbose 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand -q 'Print no notices, only errors'
            cand --quiet 'Print no notices, only errors'
            cand --no-cache 'Neither read nor write the session cache'
            cand --force 'Ask for a new code even when a cached session is still good'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mfaenv;init'= {
            cand -v 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand --verbose 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand -q 'Print no notices, only errors'
            cand --quiet 'Print no notices, only errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mfaenv;completions'= {
            cand -v 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand --verbose 'Say what mfaenv does on stderr (files, device, endpoint, timings; never secrets)'
            cand -q 'Print no notices, only errors'
            cand --quiet 'Print no notices, only errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mfaenv;help'= {
            cand use 'Ask for an MFA code, get a session from STS and print the script that exports it'
            cand unset 'Print the script that removes the session''s variables from this shell'
            cand status 'Tell whether this shell holds an mfaenv session and how long it has left (exit 1 if not)'
            cand list 'List the profiles usable with MFA, their roles and cached sessions (no network)'
            cand logout 'Drop cached sessions; prints the unset script when this shell holds that session'
            cand setup 'Register a profile''s MFA device: ask for its ARN and save it as mfa_serial'
            cand add 'Ask for an IAM user''s keys, check them with AWS, store them and write the profile'
            cand import 'Move keys from the credentials file into the store (OS keyring or encrypted file)'
            cand remove 'Delete a profile''s stored keys and its cached sessions'
            cand rotate 'Replace a profile''s access key with a new one through IAM, then delete the old one'
            cand credential-process 'Print the session as AWS credential_process JSON, for the AWS CLI and SDKs'
            cand exec 'Run one command with the session in its environment; exits with its exit code'
            cand init 'Print the shell hook: `use` and `unset` change the shell itself, lapsed sessions renew'
            cand completions 'Print the completion script for a shell'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mfaenv;help;use'= {
        }
        &'mfaenv;help;unset'= {
        }
        &'mfaenv;help;status'= {
        }
        &'mfaenv;help;list'= {
        }
        &'mfaenv;help;logout'= {
        }
        &'mfaenv;help;setup'= {
        }
        &'mfaenv;help;add'= {
        }
        &'mfaenv;help;import'= {
        }
        &'mfaenv;help;remove'= {
        }
        &'mfaenv;help;rotate'= {
        }
        &'mfaenv;help;credential-process'= {
        }
        &'mfaenv;help;exec'= {
        }
        &'mfaenv;help;init'= {
        }
        &'mfaenv;help;completions'= {
        }
        &'mfaenv;help;help'= {
        }
    ]
    $completions[$command]
}
