@echo off
rem Start the local cabinet from the offline bundle: a venv from wheels\ on the first run (again
rem when it is broken), then the server; the browser opens once /healthz answers.
rem This file is ASCII: cmd.exe reads it in the console's code page, so the Russian messages are
rem printed by Python (fisoko\bundle\messages.py), which knows the console's encoding.
setlocal
cd /d "%~dp0"

set "PY="
py -3 -c "import sys; sys.exit(sys.version_info < (3, 10))" >nul 2>&1 && set "PY=py -3"
if not defined PY (
  python -c "import sys; sys.exit(sys.version_info < (3, 10))" >nul 2>&1 && set "PY=python"
)
if not defined PY goto no_python

if not exist ".venv\fisoko-ready" goto install
".venv\Scripts\python.exe" -c "import flask, waitress, yaml, bcrypt" >nul 2>&1 || goto install
goto run

:install
%PY% -m fisoko.bundle.messages first-run
if exist ".venv" rmdir /s /q ".venv"
%PY% -m venv ".venv" || goto no_venv
".venv\Scripts\python.exe" -m pip install --quiet --disable-pip-version-check --no-index --find-links "wheels" --require-hashes -r "requirements-lock.txt" || goto no_wheels
type nul > ".venv\fisoko-ready"

:run
".venv\Scripts\python.exe" -m fisoko.bundle.launch %*
if errorlevel 1 goto stopped_with_error
goto end

:no_python
echo.
echo ERROR: Python 3.10+ not found. Install it from python.org and tick "Add python.exe to PATH".
echo OSHIBKA: ne najden Python 3.10 ili novee. Ustanovite ego s python.org.
pause
exit /b 1

:no_venv
%PY% -m fisoko.bundle.messages no-venv
pause
exit /b 1

:no_wheels
%PY% -m fisoko.bundle.messages no-wheels
pause
exit /b 1

:stopped_with_error
%PY% -m fisoko.bundle.messages failed
pause
exit /b 1

:end
endlocal
