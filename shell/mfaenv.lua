-- mfaenv script for Clink (https://chrisant996.github.io/clink/), the line editor for cmd.exe.
-- At each prompt it checks the session `mfaenv use` set, and once that has lapsed asks for a
-- new MFA code and sets the variables itself. Save it in a Clink scripts folder:
--     mfaenv init clink > "%LOCALAPPDATA%\clink\mfaenv.lua"
-- and the mfaenv.cmd wrapper (mfaenv init cmd) on PATH for `mfaenv use` and `mfaenv unset`.

local expiry_pattern = "^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$"

-- Applies what `mfaenv VERB --shell cmd REST` prints: `set "NAME=value"` and `set NAME=`.
-- Returns whether mfaenv succeeded. REST comes last: it may start with `--`.
local function apply(verb, rest)
    local output = io.popen('mfaenv.exe ' .. verb .. ' --shell cmd' .. (rest or ""))
    if not output then
        return false
    end
    for line in output:lines() do
        local name, value = line:match('^set "([%w_]+)=(.*)"$')
        if name then
            os.setenv(name, value)
        else
            name = line:match("^set ([%w_]+)=$")
            if name then
                os.setenv(name, nil)
            end
        end
    end
    local ok, _, code = output:close()
    return ok == true or code == 0
end

-- Fixed-width RFC 3339 UTC times compare as strings in time order; an unreadable expiry
-- counts as lapsed.
local function lapsed(expiry, margin)
    local soon = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() + margin)
    return not (expiry and expiry:match(expiry_pattern)) or soon >= expiry
end

-- The text with each control character (ESC, BEL, CR, LF, and C1's in UTF-8) as a visible
-- \xNN, so that a name from the environment can neither drive the console nor forge a line.
local function printable(text)
    text = text:gsub("\xc2([\x80-\x9f])", function(c)
        return string.format("\\x%02x", c:byte())
    end)
    return (text:gsub("%c", function(c)
        return string.format("\\x%02x", c:byte())
    end))
end

local function check()
    local profile = os.getenv("MFAENV_PROFILE")
    if not profile or profile == "" then
        return
    end
    -- mfaenv's own rule: 1 to 6 digits, else 60; and at most half of the seconds the
    -- session had left when `use` handed it out, so that a new one is never lapsed at once.
    local margin = tonumber((os.getenv("MFAENV_REFRESH_MARGIN") or ""):match("^%d%d?%d?%d?%d?%d?$")) or 60
    local life = tonumber((os.getenv("MFAENV_SESSION_SECONDS") or ""):match("^%d%d?%d?%d?%d?%d?$"))
    if life and margin > math.floor(life / 2) then
        margin = math.floor(life / 2)
    end
    if not lapsed(os.getenv("AWS_SESSION_EXPIRATION"), margin) then
        return
    end
    -- Quoted for cmd (a name never holds a quote), and after `--`, so that no name can read
    -- as an option; a name that reads as one is not even passed on (mfaenv would refuse it).
    local shown = printable(profile)
    io.stderr:write("mfaenv: session for " .. shown .. " lapsed; renewing it\n")
    local renewed = false
    if profile:sub(1, 1) ~= "-" then
        renewed = apply("use", ' -- "' .. profile:gsub('"', "") .. '"')
    else
        io.stderr:write("mfaenv: '" .. shown .. "' is not a profile name: profile names cannot start with '-'\n")
    end
    if not renewed then
        -- A failure or refusal removes the lapsed session, which also stops the asking
        -- (MFAENV_PROFILE goes with it) until the next `mfaenv use`.
        apply("unset")
        os.setenv("MFAENV_PROFILE", nil)
        io.stderr:write("mfaenv: removed the lapsed credentials; run 'mfaenv use " .. shown
            .. "' to start again\n")
    end
end

-- Once per prompt, before it is drawn; the prompt filter is the fallback for old Clink.
if clink.onbeginedit then
    clink.onbeginedit(check)
else
    local filter = clink.promptfilter(1)
    function filter:filter()
        check()
    end
end
