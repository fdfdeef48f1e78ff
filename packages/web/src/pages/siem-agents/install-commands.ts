// The commands the token step shows to install the agent downloaded from this portal
// (/downloads/cloudsiem-agent.mjs) and run it as a service, per platform: the systemd unit and
// the Windows scheduled task of deploy/README.md, adjusted to the single file. The token is never
// part of a command (it would stay in the shell history and show in `ps`): each form reads it from
// a file the admin pastes it into.

export const AGENT_FILE = 'cloudsiem-agent.mjs';

export interface InstallPlatform {
  id: 'linux' | 'windows' | 'shell';
  label: string;
  /** One line shown above the commands. */
  intro: string;
  commands: string;
}

/** The three platforms' commands for a portal at `origin`, the download checked against `sha256`. */
export function installCommands(origin: string, sha256: string): InstallPlatform[] {
  const download = `${origin}/downloads/${AGENT_FILE}`;
  const linux = [
    '# Download the agent and check it (needs Node.js 20.19+ on the PATH, outside /home)',
    `curl -fsSLO ${download}`,
    `echo '${sha256}  ${AGENT_FILE}' | sha256sum -c -`,
    `sudo install -D -m 0644 ${AGENT_FILE} /opt/cloudsiem/${AGENT_FILE}`,
    '# The token, in a file only root reads: paste it, then Enter and Ctrl+D',
    'sudo install -d -m 0700 /etc/cloudsiem',
    "sudo sh -c 'umask 077; cat > /etc/cloudsiem/agent.token'",
    '# The hardened unit of deploy/: node /opt/cloudsiem/cloudsiem-agent.mjs --token-file …',
    `curl -fsSL ${origin}/downloads/cloudsiem-agent.service | sudo tee /etc/systemd/system/cloudsiem-agent.service >/dev/null`,
    'sudo systemctl daemon-reload',
    'sudo systemctl enable --now cloudsiem-agent',
    'systemctl status cloudsiem-agent',
  ].join('\n');
  const windows = [
    '# In an elevated PowerShell, with Node.js 20.19+ installed in C:\\Program Files\\nodejs',
    "$dir = 'C:\\Program Files\\cloudsiem'",
    'New-Item -ItemType Directory -Force $dir | Out-Null',
    `Invoke-WebRequest -UseBasicParsing -Uri '${download}' -OutFile "$dir\\${AGENT_FILE}"`,
    `if ((Get-FileHash "$dir\\${AGENT_FILE}" -Algorithm SHA256).Hash -ne '${sha256}') { Remove-Item "$dir\\${AGENT_FILE}"; throw 'SHA-256 mismatch: not installed' }`,
    '# An account without administrator rights, and its data folder',
    "$password = Read-Host 'Password for cloudsiem-agent' -AsSecureString",
    "New-LocalUser -Name 'cloudsiem-agent' -Password $password -PasswordNeverExpires -UserMayNotChangePassword -Description 'Runs the cloudsiem SIEM agent'",
    "$data = 'C:\\ProgramData\\cloudsiem'",
    'New-Item -ItemType Directory -Force "$data\\logs" | Out-Null',
    "icacls $data /inheritance:r /grant:r '*S-1-5-32-544:(OI)(CI)F' '*S-1-5-18:(OI)(CI)F' 'cloudsiem-agent:(RX)'",
    'icacls "$data\\logs" /grant:r \'cloudsiem-agent:(OI)(CI)M\'',
    '# The token, pasted at the prompt, in a file only that account reads',
    "$token = [System.Net.NetworkCredential]::new('', (Read-Host 'Agent token' -AsSecureString)).Password",
    'Set-Content -Path "$data\\agent.token" -Value $token -NoNewline -Encoding ascii',
    'Remove-Variable token',
    "icacls \"$data\\agent.token\" /inheritance:r /grant:r 'cloudsiem-agent:(R)' '*S-1-5-32-544:(F)'",
    '# The supervising script: restarts the agent after exit 1 or a crash, not after 0, 2, 3 or 4',
    'Set-Content -Path "$dir\\run-agent.ps1" -Encoding ascii -Value @\'',
    "$data = 'C:\\ProgramData\\cloudsiem'",
    'while ($true) {',
    `  & 'C:\\Program Files\\nodejs\\node.exe' 'C:\\Program Files\\cloudsiem\\${AGENT_FILE}' --token-file "$data\\agent.token" --logsDirectory "$data\\logs"`,
    '  $code = $LASTEXITCODE',
    '  if ($code -in 0, 2, 3, 4) { exit $code }',
    '  Start-Sleep -Seconds 10',
    '}',
    "'@",
    '# The scheduled task: at startup, whoever is logged on, no time limit, as that account',
    "$action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument '-NoProfile -NonInteractive -ExecutionPolicy Bypass -File \"C:\\Program Files\\cloudsiem\\run-agent.ps1\"'",
    '$trigger = New-ScheduledTaskTrigger -AtStartup',
    '$settings = New-ScheduledTaskSettingsSet -ExecutionTimeLimit ([TimeSpan]::Zero) -RestartCount 255 -RestartInterval (New-TimeSpan -Minutes 1) -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries',
    "Register-ScheduledTask -TaskName 'cloudsiem agent' -Action $action -Trigger $trigger -Settings $settings -User \"$env:COMPUTERNAME\\cloudsiem-agent\" -Password ([System.Net.NetworkCredential]::new('', $password).Password)",
    "Start-ScheduledTask -TaskName 'cloudsiem agent'",
  ].join('\n');
  const shell = [
    `curl -fsSLO ${download}`,
    `echo '${sha256}  ${AGENT_FILE}' | sha256sum -c -`,
    '(umask 077; cat > agent.token)  # paste the token, then Enter and Ctrl+D',
    `node ${AGENT_FILE} --token-file agent.token`,
  ].join('\n');
  return [
    {
      id: 'linux',
      label: 'Linux (systemd)',
      intro: 'A service that starts at boot, restarts after a crash and runs as an unprivileged user:',
      commands: linux,
    },
    {
      id: 'windows',
      label: 'Windows (scheduled task)',
      intro: 'A task that starts at boot and runs as a dedicated account without administrator rights:',
      commands: windows,
    },
    {
      id: 'shell',
      label: 'Shell',
      intro: 'To try it in the foreground (Ctrl+C stops it; on macOS use shasum -a 256 -c -):',
      commands: shell,
    },
  ];
}
