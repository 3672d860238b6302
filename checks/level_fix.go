package checks

import "github.com/spntrust/spntrust/remediate/action"

// raiseLevelActions raise the functional level of a domain or a forest
// (kind "domain" or "forest"; name is the domain, or the forest root) to
// mode (Windows2008Domain, Windows2008Forest, ...): with the AD module, or
// with samba-tool at sambaLevel on Samba AD. Shared by LEVEL-DOMAIN and
// LEVEL-FOREST.
func raiseLevelActions(kind, name, mode, sambaLevel string) []Action {
	cmdlet, param := "Set-ADDomainMode", "-DomainMode"
	if kind == "forest" {
		cmdlet, param = "Set-ADForestMode", "-ForestMode"
	}
	note := "raise the " + kind + " functional level to " + mode
	return []Action{
		{Type: ActionManual, Domain: name, Value: mode, Note: note,
			Say: action.Say(action.PS(cmdlet, "-Identity", action.D(name), param, mode))},
		{Type: ActionManual, Domain: name, Value: mode, Note: note + " (Samba AD)",
			Say: action.Say("On Samba AD instead: ", action.ShLine("samba-tool", "domain", "level", "raise", "--"+kind+"-level="+sambaLevel))},
	}
}
