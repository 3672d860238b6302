package remediate

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/remediate/action"
)

// PowerShell writes scripts for Windows PowerShell 5.1 and PowerShell 7 with
// the ActiveDirectory module: one Set-ADUser / Set-ADComputer /
// Set-ADServiceAccount call per account (one LDAP Modify), after reading the
// account's current SPNs so a second run changes nothing, a forest-wide
// duplicate check before an add (like setspn -S), and a re-read to verify.
// -WhatIf and -Confirm work (SupportsShouldProcess); every run is recorded
// with Start-Transcript. The IIS part of a port move is the function
// Move-SpntrustSitePort with a mandatory -SiteName, run on the web server.
type PowerShell struct{}

// Ext implements Writer.
func (PowerShell) Ext() string { return "ps1" }

// Fix implements Writer.
func (PowerShell) Fix(p *Plan) ([]byte, error) {
	w := &psWriter{}
	w.header(p, "fix")
	emitted := map[string]bool{}
	for _, s := range p.Steps {
		switch s.Type {
		case checks.ActionRemoveSPN, checks.ActionAddSPN:
			a := accountOf(p, s.AccountDN)
			if a == nil || emitted[strings.ToLower(a.DN)] {
				continue
			}
			emitted[strings.ToLower(a.DN)] = true
			w.fixAccount(p, *a)
		case checks.ActionMoveSitePort:
			w.siteMove(p, s)
		case checks.ActionSetEncTypes:
			w.encTypes(p, s)
		case checks.ActionResetPassword:
			w.resetPassword(p, s)
		default:
			w.line("")
			w.comment(fmt.Sprintf("Step %d of %d - %s: %s", s.N, len(p.Steps), s.Finding, s.Comment))
			w.line("    Write-Warning %s", action.PowerShellQuote(fmt.Sprintf("Step %d is manual: %s", s.N, s.Note)))
		}
	}
	w.footer("fix")
	return w.bytes(), nil
}

// Rollback implements Writer.
func (PowerShell) Rollback(p *Plan) ([]byte, error) {
	w := &psWriter{}
	w.header(p, "rollback")
	accts := p.ChangedAccounts()
	for i := len(accts) - 1; i >= 0; i-- {
		a := accts[i]
		if a.EncChanged() {
			w.line("")
			w.comment(fmt.Sprintf("%s (%s) - %s", a.Account, a.DN, refList(a.Findings)))
			w.comment(fmt.Sprintf("Restores msDS-SupportedEncryptionTypes to what the snapshot recorded: %s (the fix set %s).", encString(a.EncBefore), encString(a.EncAfter)))
			w.restoreEncTypes(a)
		}
		if !a.SPNsChanged() {
			continue
		}
		w.line("")
		w.comment(fmt.Sprintf("%s (%s) - %s", a.Account, a.DN, refList(a.Findings)))
		w.comment(fmt.Sprintf("Undoes steps %s of the fix: removes what it added, adds back what it removed.", joinInts(a.Steps)))
		w.comment("Now (after the fix): " + list(a.After))
		w.comment("Restored (snapshot): " + list(a.Before))
		w.comment("Risk: re-adding the removed SPNs brings back the finding the fix resolved.")
		w.account(a, a.Add, a.Remove)
	}
	moves := p.SiteMoves()
	for i := len(moves) - 1; i >= 0; i-- {
		s := moves[i]
		w.line("")
		w.comment(fmt.Sprintf("Undoes step %d of the fix - %s: puts the site's bindings and authentication", s.N, s.Finding))
		w.comment("settings back as Move-SpntrustSitePort saved them (a JSON file named after the site, next to this script).")
		w.line("    if ($SiteName -and (Test-SpntrustThisHost -HostName %s)) {", action.PowerShellQuote(s.Host))
		w.line("        Restore-SpntrustSitePort -SiteName $SiteName -Port %d", s.Port)
		w.line("    } else {")
		w.line("        Write-Warning %s", action.PowerShellQuote(fmt.Sprintf("Step %d (IIS) not undone here: on %s, run rollback.ps1 with -SiteName set to the name of the IIS site that runs as %s (add -SkipSpn if the SPNs are already restored).", s.N, s.Host, s.Account)))
		w.line("    }")
	}
	w.footer("rollback")
	return w.bytes(), nil
}

func accountOf(p *Plan, dn string) *AccountChange {
	for i := range p.Accounts {
		if strings.EqualFold(p.Accounts[i].DN, dn) {
			return &p.Accounts[i]
		}
	}
	return nil
}

type psWriter struct{ b bytes.Buffer }

func (w *psWriter) line(format string, args ...any) {
	fmt.Fprintf(&w.b, format, args...)
	w.b.WriteByte('\n')
}

// comment writes an indented # comment inside the script's try block.
func (w *psWriter) comment(text string) {
	text = strings.NewReplacer("\r", " ", "\n", " ").Replace(text)
	w.line("    # %s", text)
}

func (w *psWriter) bytes() []byte {
	out := w.b.Bytes()
	if !isASCII(out) {
		// Windows PowerShell 5.1 reads a script without a BOM as ANSI.
		out = append([]byte("\xef\xbb\xbf"), out...)
	}
	return out
}

func helpText(s string) string {
	return strings.NewReplacer("#>", "# >", "<#", "< #").Replace(s)
}

func (w *psWriter) header(p *Plan, kind string) {
	synopsis := "Applies the plan in PLAN.md: the SPN changes, and on the web server the IIS part of a port move."
	other := "rollback.ps1 restores the SPNs the snapshot recorded and the IIS settings Move-SpntrustSitePort saved."
	if kind == "rollback" {
		synopsis = "Undoes fix.ps1: restores each account's SPNs to what the snapshot recorded, and on the web server the IIS site's saved bindings and authentication settings."
		other = "fix.ps1 re-applies the plan."
	}
	w.line("<#")
	w.line(".SYNOPSIS")
	w.line("    spntrust remediation: %s.ps1 - %s", kind, helpText(synopsis))
	w.line(".DESCRIPTION")
	w.line("    Generated by %s from snapshot %s", helpText(p.Generator), helpText(orUnknown(p.Snapshot)))
	w.line("    (target %s, collected %s). Strategy: %s (port %d).", helpText(orUnknown(p.Source.Target)), p.collectedAt(), p.Strategy, p.Port)
	w.line("    Review PLAN.md first. %s", helpText(other))
	w.line("")
	w.line("    Safe to run twice: each account's SPNs are read first and only values that are")
	w.line("    present are removed and only values that are absent are added (one Set-AD* call,")
	w.line("    i.e. one LDAP Modify, per account); a second run changes nothing. An add is")
	w.line("    refused when another account in the forest holds the SPN (like setspn -S).")
	w.line("    Every change is verified by reading the account again; the script stops at the")
	w.line("    first error ($ErrorActionPreference = 'Stop'). A transcript is written next to")
	w.line("    the script.")
	w.line("")
	w.line("    SPN changes need the ActiveDirectory module (RSAT) and rights to write")
	w.line("    servicePrincipalName. IIS steps run only on the web server they name, and only")
	w.line("    with -SiteName; elsewhere they are reported and skipped.")
	w.line(".PARAMETER SiteName")
	w.line("    Name of the IIS site (as in IIS Manager) to change on this machine.")
	w.line(".PARAMETER SkipSpn")
	w.line("    Do only the IIS steps (when the SPN changes are made from another machine).")
	w.line(".EXAMPLE")
	w.line("    .\\%s.ps1 -WhatIf", kind)
	w.line("    Shows every change without making it.")
	w.line(".EXAMPLE")
	w.line("    .\\%s.ps1", kind)
	w.line("    Makes the SPN changes (on an admin workstation or DC).")
	if len(p.SiteMoves()) > 0 {
		s := p.SiteMoves()[0]
		w.line(".EXAMPLE")
		w.line("    .\\%s.ps1 -SiteName 'App Web' -SkipSpn", kind)
		w.line("    On %s: the IIS steps for the site named App Web.", helpText(s.Host))
	}
	w.line("#>")
	w.line("[CmdletBinding(SupportsShouldProcess = $true)]")
	w.line("param(")
	w.line("    [string]$SiteName,")
	w.line("    [switch]$SkipSpn")
	w.line(")")
	w.line("Set-StrictMode -Version 2.0")
	w.line("$ErrorActionPreference = 'Stop'")
	w.b.WriteString(psLibrary)
	w.line("")
	w.line("$logDir = if ($PSScriptRoot) { $PSScriptRoot } else { (Get-Location).Path }")
	w.line("$transcript = Join-Path $logDir ('%s-{0:yyyyMMdd-HHmmss}.log' -f (Get-Date))", kind)
	w.line("Start-Transcript -Path $transcript -WhatIf:$false -Confirm:$false | Out-Null")
	w.line("try {")
	w.line("    if (-not $SkipSpn) { Import-Module ActiveDirectory }")
}

func (w *psWriter) footer(kind string) {
	w.line("")
	w.line("    Write-Host %s", action.PowerShellQuote(kind+".ps1 finished: every step done, already in place, or reported above."))
	w.line("}")
	w.line("finally {")
	w.line("    Stop-Transcript | Out-Null")
	w.line("}")
}

func (w *psWriter) fixAccount(p *Plan, a AccountChange) {
	w.line("")
	w.comment(fmt.Sprintf("%s (%s) - %s", a.Account, a.DN, refList(a.Findings)))
	for _, n := range a.Steps {
		s := p.Steps[n-1]
		w.comment(fmt.Sprintf("Step %d of %d - %s: %s", s.N, len(p.Steps), s.Finding, s.Comment))
		w.comment("  Risk: " + s.Risk)
	}
	w.comment("Before (snapshot): " + list(a.Before))
	w.comment("After:             " + list(a.After))
	w.account(a, a.Remove, a.Add)
}

func (w *psWriter) account(a AccountChange, remove, add []string) {
	gc := a.Forest
	if gc == "" {
		gc = a.Domain
	}
	w.line("    if (-not $SkipSpn) {")
	w.line("        Update-SpntrustAccountSpn -Identity %s -Server %s -Kind %s -Label %s -GlobalCatalog %s `",
		action.PowerShellQuote(a.DN), action.PowerShellQuote(a.Domain), action.PowerShellQuote(string(a.Kind)), action.PowerShellQuote(a.Account), action.PowerShellQuote(gc+":3268"))
	w.line("            -Remove %s `", psArray(remove))
	w.line("            -Add %s", psArray(add))
	w.line("    }")
}

func (w *psWriter) siteMove(p *Plan, s Step) {
	w.line("")
	w.comment(fmt.Sprintf("Step %d of %d - %s: %s", s.N, len(p.Steps), s.Finding, s.Comment))
	w.comment("Risk: " + s.Risk)
	w.line("    if ($SiteName -and (Test-SpntrustThisHost -HostName %s)) {", action.PowerShellQuote(s.Host))
	w.line("        Move-SpntrustSitePort -SiteName $SiteName -Port %d", s.Port)
	w.line("    } else {")
	w.line("        Write-Warning %s", action.PowerShellQuote(fmt.Sprintf("Step %d (IIS) not run here: on %s, run fix.ps1 with -SiteName set to the name of the IIS site that runs as %s (add -SkipSpn if the SPN changes are done).", s.N, s.Host, s.Account)))
	w.line("    }")
}

// encTypes writes a set-encryption-types step: the value is read first (a
// second run changes nothing), set with one Set-ADObject, and read again.
func (w *psWriter) encTypes(p *Plan, s Step) {
	w.line("")
	w.comment(fmt.Sprintf("Step %d of %d - %s: %s", s.N, len(p.Steps), s.Finding, s.Comment))
	w.comment("  Risk: " + s.Risk)
	if a := accountOf(p, s.AccountDN); a != nil {
		w.comment("Before (snapshot): " + encString(a.EncBefore))
	}
	w.line("    if (-not $SkipSpn) {")
	w.line("        Set-SpntrustEncTypes -Identity %s -Server %s -Label %s -Value %d",
		action.PowerShellQuote(s.AccountDN), action.PowerShellQuote(s.Domain), action.PowerShellQuote(s.Account), s.EncTypes)
	w.line("    }")
}

// restoreEncTypes puts back the snapshot's value (or clears the attribute
// when the snapshot had none).
func (w *psWriter) restoreEncTypes(a AccountChange) {
	w.line("    if (-not $SkipSpn) {")
	if a.EncBefore == nil || *a.EncBefore == 0 {
		w.line("        Set-SpntrustEncTypes -Identity %s -Server %s -Label %s -Clear",
			action.PowerShellQuote(a.DN), action.PowerShellQuote(a.Domain), action.PowerShellQuote(a.Account))
	} else {
		w.line("        Set-SpntrustEncTypes -Identity %s -Server %s -Label %s -Value %d",
			action.PowerShellQuote(a.DN), action.PowerShellQuote(a.Domain), action.PowerShellQuote(a.Account), *a.EncBefore)
	}
	w.line("    }")
}

// resetPassword writes a reset-password step: the operator types the new
// password at a secure prompt (it is never written down, logged or kept in
// the transcript); with Twice, a second reset follows once the operator
// confirms replication.
func (w *psWriter) resetPassword(p *Plan, s Step) {
	w.line("")
	w.comment(fmt.Sprintf("Step %d of %d - %s: %s", s.N, len(p.Steps), s.Finding, s.Comment))
	w.comment("  Risk: " + s.Risk)
	twice := "$false"
	if s.Twice {
		twice = "$true"
	}
	w.line("    if (-not $SkipSpn) {")
	w.line("        Reset-SpntrustPassword -Identity %s -Server %s -Label %s -Twice:%s",
		action.PowerShellQuote(s.AccountDN), action.PowerShellQuote(s.Domain), action.PowerShellQuote(s.Account), twice)
	w.line("    }")
}

func psArray(v []string) string {
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = action.PowerShellQuote(s)
	}
	return "@(" + strings.Join(q, ", ") + ")"
}

// psLibrary holds the functions every script defines. It is static text:
// only the calls below it carry plan data, all as single-quoted literals.
const psLibrary = `
function Get-SpntrustSpn {
    param(
        [Parameter(Mandatory = $true)][string]$Identity,
        [Parameter(Mandatory = $true)][string]$Server
    )
    $o = Get-ADObject -Identity $Identity -Server $Server -Properties servicePrincipalName
    if ($o.PSObject.Properties['servicePrincipalName'] -and $o.servicePrincipalName) {
        return @($o.servicePrincipalName | ForEach-Object { [string]$_ })
    }
    return @()
}

function ConvertTo-SpntrustLdapFilterValue {
    param([Parameter(Mandatory = $true)][string]$Value)
    return $Value.Replace('\', '\5c').Replace('*', '\2a').Replace('(', '\28').Replace(')', '\29').Replace([string][char]0, '\00')
}

function Update-SpntrustAccountSpn {
    # Removes the -Remove values that are present and adds the -Add values that
    # are absent, in one call (one LDAP Modify), then reads the account again.
    [CmdletBinding(SupportsShouldProcess = $true)]
    param(
        [Parameter(Mandatory = $true)][string]$Identity,
        [Parameter(Mandatory = $true)][string]$Server,
        [Parameter(Mandatory = $true)][string]$Kind,
        [Parameter(Mandatory = $true)][string]$Label,
        [Parameter(Mandatory = $true)][string]$GlobalCatalog,
        [string[]]$Remove = @(),
        [string[]]$Add = @()
    )
    $current = @(Get-SpntrustSpn -Identity $Identity -Server $Server)
    $toRemove = @($Remove | Where-Object { $current -contains $_ })
    $toAdd = @($Add | Where-Object { $current -notcontains $_ })
    foreach ($v in @($Remove | Where-Object { $current -notcontains $_ })) { Write-Host "${Label}: skip - $v is not on the account" }
    foreach ($v in @($Add | Where-Object { $current -contains $_ })) { Write-Host "${Label}: skip - $v is already on the account" }
    if ($toRemove.Count -eq 0 -and $toAdd.Count -eq 0) {
        Write-Host "${Label}: nothing to change"
        return
    }
    foreach ($v in $toAdd) {
        $filter = '(servicePrincipalName=' + (ConvertTo-SpntrustLdapFilterValue -Value $v) + ')'
        $holders = @(Get-ADObject -LDAPFilter $filter -SearchBase '' -Server $GlobalCatalog | Where-Object { $_.DistinguishedName -ne $Identity })
        if ($holders.Count -gt 0) {
            throw "$v is already registered on $($holders[0].DistinguishedName): adding it to $Label would create a duplicate SPN. $Label was not changed."
        }
    }
    $what = @()
    if ($toRemove.Count -gt 0) { $what += 'remove SPN ' + ($toRemove -join ', ') }
    if ($toAdd.Count -gt 0) { $what += 'add SPN ' + ($toAdd -join ', ') }
    if (-not $PSCmdlet.ShouldProcess($Label, ($what -join '; '))) { return }
    $change = @{}
    if ($toRemove.Count -gt 0) { $change['Remove'] = [string[]]$toRemove }
    if ($toAdd.Count -gt 0) { $change['Add'] = [string[]]$toAdd }
    switch ($Kind) {
        'user' { Set-ADUser -Identity $Identity -Server $Server -ServicePrincipalNames $change }
        'computer' { Set-ADComputer -Identity $Identity -Server $Server -ServicePrincipalNames $change }
        'managedServiceAccount' { Set-ADServiceAccount -Identity $Identity -Server $Server -ServicePrincipalNames $change }
        'groupManagedServiceAccount' { Set-ADServiceAccount -Identity $Identity -Server $Server -ServicePrincipalNames $change }
        default {
            $p = @{ Identity = $Identity; Server = $Server }
            if ($toRemove.Count -gt 0) { $p['Remove'] = @{ servicePrincipalName = [string[]]$toRemove } }
            if ($toAdd.Count -gt 0) { $p['Add'] = @{ servicePrincipalName = [string[]]$toAdd } }
            Set-ADObject @p
        }
    }
    $after = @(Get-SpntrustSpn -Identity $Identity -Server $Server)
    $left = @($toRemove | Where-Object { $after -contains $_ })
    $missing = @($toAdd | Where-Object { $after -notcontains $_ })
    if ($left.Count -gt 0 -or $missing.Count -gt 0) {
        throw "${Label}: verification failed after the change: still present: $($left -join ', '); missing: $($missing -join ', '). Now: $($after -join ', ')"
    }
    Write-Host "${Label}: $($what -join '; ') - done and verified"
}

function Get-SpntrustEncTypes {
    param(
        [Parameter(Mandatory = $true)][string]$Identity,
        [Parameter(Mandatory = $true)][string]$Server
    )
    $o = Get-ADObject -Identity $Identity -Server $Server -Properties 'msDS-SupportedEncryptionTypes'
    if ($o.PSObject.Properties['msDS-SupportedEncryptionTypes'] -and $null -ne $o.'msDS-SupportedEncryptionTypes') {
        return [int]$o.'msDS-SupportedEncryptionTypes'
    }
    return 0
}

function Set-SpntrustEncTypes {
    # Sets (or with -Clear removes) msDS-SupportedEncryptionTypes, after
    # reading it so a second run changes nothing, then reads it again.
    [CmdletBinding(SupportsShouldProcess = $true)]
    param(
        [Parameter(Mandatory = $true)][string]$Identity,
        [Parameter(Mandatory = $true)][string]$Server,
        [Parameter(Mandatory = $true)][string]$Label,
        [int]$Value = 0,
        [switch]$Clear
    )
    $want = if ($Clear) { 0 } else { $Value }
    $current = Get-SpntrustEncTypes -Identity $Identity -Server $Server
    if ($current -eq $want) {
        Write-Host "${Label}: msDS-SupportedEncryptionTypes is already $want - nothing to change"
        return
    }
    if (-not $PSCmdlet.ShouldProcess($Label, "set msDS-SupportedEncryptionTypes from $current to $want")) { return }
    if ($Clear) {
        Set-ADObject -Identity $Identity -Server $Server -Clear 'msDS-SupportedEncryptionTypes'
    } else {
        Set-ADObject -Identity $Identity -Server $Server -Replace @{ 'msDS-SupportedEncryptionTypes' = $Value }
    }
    $after = Get-SpntrustEncTypes -Identity $Identity -Server $Server
    if ($after -ne $want) {
        throw "${Label}: verification failed: msDS-SupportedEncryptionTypes is $after, expected $want"
    }
    Write-Host "${Label}: msDS-SupportedEncryptionTypes $current -> $want - done and verified"
}

function Reset-SpntrustPassword {
    # Resets the password so the DC creates AES keys. The operator types the
    # new password at a secure prompt: it is never written, logged or kept.
    [CmdletBinding(SupportsShouldProcess = $true)]
    param(
        [Parameter(Mandatory = $true)][string]$Identity,
        [Parameter(Mandatory = $true)][string]$Server,
        [Parameter(Mandatory = $true)][string]$Label,
        [switch]$Twice
    )
    $rounds = if ($Twice) { 2 } else { 1 }
    if (-not $PSCmdlet.ShouldProcess($Label, "reset the password $rounds time(s) (creates AES keys)")) { return }
    for ($i = 1; $i -le $rounds; $i++) {
        if ($i -gt 1) {
            Read-Host "Wait for replication to every DC (repadmin /syncall /AdeP) and at least the maximum ticket lifetime, then press Enter for the second reset of $Label" | Out-Null
        }
        $pw = Read-Host -AsSecureString "New password for $Label (25+ random characters)"
        Set-ADAccountPassword -Identity $Identity -Server $Server -Reset -NewPassword $pw
        $pw.Dispose()
        Write-Host "${Label}: password reset $i of $rounds - give the service its new password"
    }
}

function Test-SpntrustThisHost {
    param([Parameter(Mandatory = $true)][string]$HostName)
    $h = $HostName.TrimEnd('.').ToLowerInvariant()
    $names = @($env:COMPUTERNAME.ToLowerInvariant())
    try { $names += [System.Net.Dns]::GetHostEntry($env:COMPUTERNAME).HostName.ToLowerInvariant() } catch { }
    return (($names -contains $h) -or ($h.Split('.')[0] -eq $env:COMPUTERNAME.ToLowerInvariant()))
}

function Get-SpntrustStateFile {
    param([Parameter(Mandatory = $true)][string]$SiteName)
    $bad = [System.IO.Path]::GetInvalidFileNameChars()
    $safe = -join ($SiteName.ToCharArray() | ForEach-Object { if ($bad -contains $_) { '_' } else { $_ } })
    $dir = if ($PSScriptRoot) { $PSScriptRoot } else { (Get-Location).Path }
    return (Join-Path $dir ('iis-' + $safe + '.before.json'))
}

function ConvertFrom-SpntrustBinding {
    param([Parameter(Mandatory = $true)][string]$Info)
    if ($Info -notmatch '^(?<ip>\[[^\]]*\]|[^:]*):(?<port>\d+):(?<host>.*)$') { throw "Unexpected IIS binding information '$Info'" }
    return [pscustomobject]@{ Info = $Info; IP = $Matches['ip']; Port = [int]$Matches['port']; HostHeader = $Matches['host'] }
}

function Get-SpntrustAuthSetting {
    param([Parameter(Mandatory = $true)][string]$SiteName, [Parameter(Mandatory = $true)][string]$Name)
    $v = Get-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location $SiteName -Filter 'system.webServer/security/authentication/windowsAuthentication' -Name $Name
    if ($null -ne $v -and $v.PSObject.Properties['Value']) { return [bool]$v.Value }
    return [bool]$v
}

function Set-SpntrustAuthSetting {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([Parameter(Mandatory = $true)][string]$SiteName, [Parameter(Mandatory = $true)][string]$Name, [Parameter(Mandatory = $true)][bool]$Value)
    if ((Get-SpntrustAuthSetting -SiteName $SiteName -Name $Name) -eq $Value) { Write-Host "${SiteName}: windowsAuthentication $Name is already $Value"; return }
    if ($PSCmdlet.ShouldProcess($SiteName, "set windowsAuthentication $Name to $Value")) {
        Set-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location $SiteName -Filter 'system.webServer/security/authentication/windowsAuthentication' -Name $Name -Value $Value
    }
}

function Move-SpntrustSitePort {
    <#
    .SYNOPSIS
        Moves an IIS site's http bindings from -OldPort to -Port and makes kernel-mode
        Windows authentication decrypt tickets with the app pool identity's key
        (windowsAuthentication useAppPoolCredentials=true, useKernelMode=true).
    .DESCRIPTION
        Saves the site's http bindings and both settings to -StateFile before changing
        anything (once: a later run keeps the first saved state), so that
        Restore-SpntrustSitePort puts them back exactly. A binding already on -Port is
        left alone, so a second run changes nothing.
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    param(
        [Parameter(Mandatory = $true)][ValidateNotNullOrEmpty()][string]$SiteName,
        [ValidateRange(1, 65535)][int]$Port = 81,
        [ValidateRange(1, 65535)][int]$OldPort = 80,
        [string]$StateFile
    )
    Import-Module WebAdministration
    $null = Get-Item -LiteralPath "IIS:\Sites\$SiteName"
    if (-not $StateFile) { $StateFile = Get-SpntrustStateFile -SiteName $SiteName }
    if (-not (Test-Path -LiteralPath $StateFile)) {
        $state = [ordered]@{
            site                  = $SiteName
            bindings              = @(Get-WebBinding -Name $SiteName -Protocol http | ForEach-Object { [string]$_.bindingInformation })
            useAppPoolCredentials = Get-SpntrustAuthSetting -SiteName $SiteName -Name useAppPoolCredentials
            useKernelMode         = Get-SpntrustAuthSetting -SiteName $SiteName -Name useKernelMode
        }
        if ($PSCmdlet.ShouldProcess($StateFile, 'save the site''s bindings and authentication settings for the rollback')) {
            $state | ConvertTo-Json | Set-Content -LiteralPath $StateFile -Encoding UTF8
        }
    }
    $bindings = @(Get-WebBinding -Name $SiteName -Protocol http | ForEach-Object { ConvertFrom-SpntrustBinding -Info $_.bindingInformation })
    $old = @($bindings | Where-Object { $_.Port -eq $OldPort })
    $new = @($bindings | Where-Object { $_.Port -eq $Port })
    if ($old.Count -eq 0 -and $new.Count -eq 0) {
        throw "Site '$SiteName' has no http binding on port $OldPort or $Port. Check the site name; nothing was changed."
    }
    foreach ($b in $old) {
        if (-not @($new | Where-Object { $_.IP -eq $b.IP -and $_.HostHeader -eq $b.HostHeader }).Count) {
            if ($PSCmdlet.ShouldProcess($SiteName, "add http binding $($b.IP):${Port}:$($b.HostHeader)")) {
                New-WebBinding -Name $SiteName -Protocol http -IPAddress $b.IP -Port $Port -HostHeader $b.HostHeader
            }
        }
        if ($PSCmdlet.ShouldProcess($SiteName, "remove http binding $($b.Info)")) {
            Get-WebBinding -Name $SiteName -Protocol http | Where-Object { $_.bindingInformation -eq $b.Info } | Remove-WebBinding
        }
    }
    if ($old.Count -eq 0) { Write-Host "${SiteName}: http bindings already on port $Port" }
    Set-SpntrustAuthSetting -SiteName $SiteName -Name useAppPoolCredentials -Value $true
    Set-SpntrustAuthSetting -SiteName $SiteName -Name useKernelMode -Value $true
}

function Restore-SpntrustSitePort {
    <#
    .SYNOPSIS
        Undoes Move-SpntrustSitePort: restores the site's http bindings and its
        useAppPoolCredentials / useKernelMode settings from -StateFile. Without a saved
        state it moves the http bindings from -Port back to -OldPort and leaves the
        authentication settings as they are.
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    param(
        [Parameter(Mandatory = $true)][ValidateNotNullOrEmpty()][string]$SiteName,
        [ValidateRange(1, 65535)][int]$Port = 81,
        [ValidateRange(1, 65535)][int]$OldPort = 80,
        [string]$StateFile
    )
    Import-Module WebAdministration
    $null = Get-Item -LiteralPath "IIS:\Sites\$SiteName"
    if (-not $StateFile) { $StateFile = Get-SpntrustStateFile -SiteName $SiteName }
    $current = @(Get-WebBinding -Name $SiteName -Protocol http | ForEach-Object { [string]$_.bindingInformation })
    $state = $null
    if (Test-Path -LiteralPath $StateFile) {
        $state = Get-Content -LiteralPath $StateFile -Raw | ConvertFrom-Json
        $want = @($state.bindings | ForEach-Object { [string]$_ })
    } else {
        Write-Warning "No saved state at ${StateFile}: moving http bindings from port $Port back to $OldPort; windowsAuthentication settings are left as they are."
        $want = @($current | ForEach-Object {
            $b = ConvertFrom-SpntrustBinding -Info $_
            if ($b.Port -eq $Port) { '{0}:{1}:{2}' -f $b.IP, $OldPort, $b.HostHeader } else { $_ }
        })
    }
    foreach ($info in $want) {
        if ($current -notcontains $info) {
            $b = ConvertFrom-SpntrustBinding -Info $info
            if ($PSCmdlet.ShouldProcess($SiteName, "add http binding $info")) {
                New-WebBinding -Name $SiteName -Protocol http -IPAddress $b.IP -Port $b.Port -HostHeader $b.HostHeader
            }
        }
    }
    foreach ($info in $current) {
        if ($want -notcontains $info) {
            if ($PSCmdlet.ShouldProcess($SiteName, "remove http binding $info")) {
                Get-WebBinding -Name $SiteName -Protocol http | Where-Object { $_.bindingInformation -eq $info } | Remove-WebBinding
            }
        }
    }
    if ($null -ne $state) {
        Set-SpntrustAuthSetting -SiteName $SiteName -Name useAppPoolCredentials -Value ([bool]$state.useAppPoolCredentials)
        Set-SpntrustAuthSetting -SiteName $SiteName -Name useKernelMode -Value ([bool]$state.useKernelMode)
    }
}
`
