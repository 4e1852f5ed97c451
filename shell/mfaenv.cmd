@echo off
rem mfaenv wrapper for cmd.exe, so that `mfaenv use PROFILE` and `mfaenv unset` change this
rem console's environment, which mfaenv.exe alone cannot. Save it in a folder on PATH ahead of
rem mfaenv.exe's (cmd.exe prefers .exe to .cmd within one folder):
rem     mfaenv init cmd > "%USERPROFILE%\bin\mfaenv.cmd"
rem For a new code when the session lapses, add the Clink script too: mfaenv init clink.

rem Only the verb is worked out in a local scope; the variables mfaenv sets must not be.
rem With --shell (any shell) the script is wanted as text: passed on, never run here, so the
rem README's `for /f ... ('mfaenv use PROFILE --shell cmd')` gets it as it would without this
rem wrapper (which runs in that child cmd.exe). After `--` come profile names, never options.
setlocal
set "mfaenv_verb="
set "mfaenv_target=pass"
set "mfaenv_print="
:scan
if "%~1"=="" goto :chosen
if "%~1"=="--" goto :chosen
for %%f in (-h --help -V --version) do if "%~1"=="%%f" (set "mfaenv_verb=" & goto :chosen)
set "mfaenv_arg=%~1"
if "%mfaenv_arg%"=="--shell" set "mfaenv_print=1"
if "%mfaenv_arg:~0,8%"=="--shell=" set "mfaenv_print=1"
if not defined mfaenv_verb if not "%mfaenv_arg:~0,1%"=="-" set "mfaenv_verb=%~1"
shift
goto :scan
:chosen
for %%v in (use unset logout) do if /i "%mfaenv_verb%"=="%%v" set "mfaenv_target=apply"
if defined mfaenv_print set "mfaenv_target=pass"
endlocal & goto :%mfaenv_target%

:pass
mfaenv.exe %*
exit /b

:apply
rem Each line mfaenv prints is a `set` command, run here; the last line, added by this
rem wrapper, passes on mfaenv's exit code. MFAENV_SHELL is set in the child cmd.exe only.
for /f "delims=" %%l in ('set "MFAENV_SHELL=cmd" ^& mfaenv.exe %* ^& call echo exit /b %%^^errorlevel%%') do @%%l
exit /b 1
