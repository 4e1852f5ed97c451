-- mfaenv script for Clink (https://chrisant996.github.io/clink/), the line editor for cmd.exe.
-- At each prompt it checks the session `mfaenv use` set, and once that has lapsed asks for a
-- new MFA code and sets the variables itself. Save it in a Clink scripts folder:
--     mfaenv init clink > "%LOCALAPPDATA%\clink\mfaenv.lua"
-- and the mfaenv.cmd wrapper (mfaenv init cmd) on PATH for `mfaenv use` and `mfaenv unset`.

local expiry_pattern = "^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$"

-- Applies what `mfaenv use|unset --shell cmd` prints: `set "NAME=value"` and `set NAME=`.
-- Returns whether mfaenv succeeded.
local function apply(arguments)
    local output = io.popen('mfaenv.exe ' .. arguments .. ' --shell cmd')
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

local function check()
    local profile = os.getenv("MFAENV_PROFILE")
    if not profile or profile == "" then
        return
    end
    local margin = tonumber((os.getenv("MFAENV_REFRESH_MARGIN") or ""):match("^%d%d?%d?%d?%d?%d?$")) or 60
    if not lapsed(os.getenv("AWS_SESSION_EXPIRATION"), margin) then
        return
    end
    -- Profile names come from the AWS config files; quoted for cmd all the same.
    io.stderr:write("mfaenv: session for " .. profile .. " lapsed; renewing it\n")
    if not apply('use "' .. profile:gsub('"', "") .. '"') then
        -- A failure or refusal removes the lapsed session, which also stops the asking
        -- (MFAENV_PROFILE goes with it) until the next `mfaenv use`.
        apply("unset")
        os.setenv("MFAENV_PROFILE", nil)
        io.stderr:write("mfaenv: removed the lapsed credentials; run 'mfaenv use " .. profile
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
