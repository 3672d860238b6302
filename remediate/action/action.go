// Package action holds the typed remediation of a finding and the one
// renderer that turns it into the steps people read: the text, HTML,
// Markdown, CSV, JUnit and SARIF reports, the JSON report's "steps", and the
// remediation plan and scripts (package remediate) all write commands from
// these actions, quoted by the one function of their shell (CmdArg,
// PowerShellQuote, ShQuote). A check never writes a command as text.
//
// It imports nothing of spntrust, so checks (which build the actions) and
// remediate (which plans and scripts them) both depend on it.
package action

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Type names a remediation step.
type Type string

// The actions. The first three are changes the scripts and `spntrust fix`
// make; the others are done by hand and only rendered.
const (
	RemoveSPN    Type = "remove-spn"     // setspn -D SPN ACCOUNT
	AddSPN       Type = "add-spn"        // setspn -S SPN ACCOUNT
	MoveSitePort Type = "move-site-port" // move an IIS site to Port on Host
	SetEncTypes  Type = "set-encryption-types"
	// ResetPassword resets an account's password so the DC creates AES
	// keys; the operator types the new password (fix.ps1 prompts for it) and
	// it is never written down. Value "twice" resets it twice with a
	// replication wait in between (krbtgt).
	ResetPassword Type = "reset-password"
	// Manual is a change a person makes by hand; Say (or Note) says how.
	Manual Type = "manual"
	// Advice is a step that changes nothing by itself: a check to run
	// first, a verification, a caution. The plan never schedules it.
	Advice Type = "advice"
)

// Action is one remediation step.
type Action struct {
	Type      Type   `json:"type"`
	AccountDN string `json:"accountDN,omitempty"`
	Account   string `json:"account,omitempty"` // DOMAIN\sAMAccountName
	Domain    string `json:"domain,omitempty"`  // DNS name of the account's domain
	SPN       string `json:"spn,omitempty"`
	Host      string `json:"host,omitempty"`
	Port      int    `json:"port,omitempty"`
	Value     string `json:"value,omitempty"`
	// Note is a short machine-readable summary of a manual step.
	Note string `json:"note,omitempty"`
	// Say is the step for people: prose and commands. Typed changes
	// (remove-spn, add-spn, move-site-port) have a standard wording and
	// need none; when given, it replaces that wording.
	Say []Part `json:"say,omitempty"`
}

// Part is prose or one command of a step.
type Part struct {
	Text string   `json:"text,omitempty"`
	Run  *Command `json:"run,omitempty"`
}

// Shell is the command interpreter a command is written for.
type Shell string

// Shells, each with its one quoting function.
const (
	Cmd        Shell = "cmd"        // cmd.exe: CmdArg
	PowerShell Shell = "powershell" // PowerShellQuote
	Sh         Shell = "sh"         // POSIX sh: ShQuote
)

// Command is one command line: words of the program (the command, its
// switches, placeholders such as <DOMAIN\account>) and data, which is quoted
// for the shell.
type Command struct {
	Shell Shell `json:"shell"`
	Args  []Arg `json:"args"`
}

// Arg is a word of a command. Data args come from the snapshot and are
// quoted by the shell's quoting function; other args are written as given.
type Arg struct {
	Text string `json:"text"`
	Data bool   `json:"data,omitempty"`
}

// D marks a command argument as data (quoted for the shell); see NewCommand.
type D string

// NewCommand builds a command: string arguments are words written as given,
// D arguments data quoted for the shell.
func NewCommand(sh Shell, args ...any) *Command {
	c := &Command{Shell: sh}
	for _, a := range args {
		switch v := a.(type) {
		case string:
			c.Args = append(c.Args, Arg{Text: v})
		case D:
			c.Args = append(c.Args, Arg{Text: string(v), Data: true})
		default:
			panic(fmt.Sprintf("action.NewCommand: argument %v is %T, not string or action.D", a, a))
		}
	}
	return c
}

// CmdLine is a cmd.exe command (NewCommand with Cmd).
func CmdLine(args ...any) *Command { return NewCommand(Cmd, args...) }

// PS is a PowerShell command (NewCommand with PowerShell).
func PS(args ...any) *Command { return NewCommand(PowerShell, args...) }

// ShLine is a POSIX sh command (NewCommand with Sh).
func ShLine(args ...any) *Command { return NewCommand(Sh, args...) }

// Say builds a step from prose (string) and commands (*Command), in order.
func Say(parts ...any) []Part {
	out := make([]Part, 0, len(parts))
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, Part{Text: v})
		case *Command:
			out = append(out, Part{Run: v})
		default:
			panic(fmt.Sprintf("action.Say: part %v is %T, not string or *action.Command", p, p))
		}
	}
	return out
}

// String renders the command line, data quoted for its shell.
func (c Command) String() string {
	words := make([]string, len(c.Args))
	for i, a := range c.Args {
		if !a.Data {
			words[i] = a.Text
			continue
		}
		switch c.Shell {
		case PowerShell:
			words[i] = PowerShellQuote(a.Text)
		case Sh:
			words[i] = ShQuote(a.Text)
		default:
			words[i], _ = CmdArg(a.Text)
		}
	}
	return strings.Join(words, " ")
}

// SetSPN is the setspn command of an SPN change: -D removes, -S adds
// (never -A: -S refuses a duplicate forest-wide).
func SetSPN(t Type, spn, account string) *Command {
	op := "-D"
	if t == AddSPN {
		op = "-S"
	}
	return CmdLine("setspn", op, D(spn), D(account))
}

// SiteMoveCommands are the appcmd commands that move an IIS site to port
// (site is the site's name, or a placeholder written as given) and make
// kernel-mode Windows authentication use the app pool identity's key.
func SiteMoveCommands(site string, port int, siteIsData bool) []*Command {
	name := func(prefix string) any {
		if siteIsData {
			return D(prefix + site)
		}
		return prefix + `"` + site + `"`
	}
	appcmd := `%windir%\system32\inetsrv\appcmd`
	return []*Command{
		CmdLine(appcmd, "set", "site", name("/site.name:"), fmt.Sprintf("/+bindings.[protocol='http',bindingInformation='*:%d:']", port)),
		CmdLine(appcmd, "set", "site", name("/site.name:"), "/-bindings.[protocol='http',bindingInformation='*:80:']"),
		CmdLine(appcmd, "set", "config", name(""), "-section:system.webServer/security/authentication/windowsAuthentication", "/useAppPoolCredentials:true", "/useKernelMode:true", "/commit:apphost"),
	}
}

// Step renders the action as one line for people ("" for an action with
// nothing to say).
func (a Action) Step() string {
	if len(a.Say) > 0 {
		return RenderParts(a.Say)
	}
	switch a.Type {
	case RemoveSPN, AddSPN:
		return SetSPN(a.Type, a.SPN, a.Account).String()
	case MoveSitePort:
		return RenderParts(Say(fmt.Sprintf("Move the site that runs as %s on %s to port %d (IIS: ", a.Account, a.Host, a.Port),
			siteMoveBinding(a.Port), ", then remove its port 80 binding)."))
	}
	return a.Note
}

// Commands returns the commands of the action alone, without its prose,
// one line each: what a "copy commands" button may put on the clipboard.
func (a Action) Commands() []string {
	var out []string
	if len(a.Say) > 0 {
		for _, p := range a.Say {
			if p.Run != nil {
				out = append(out, p.Run.String())
			}
		}
		return out
	}
	switch a.Type {
	case RemoveSPN, AddSPN:
		out = append(out, SetSPN(a.Type, a.SPN, a.Account).String())
	case MoveSitePort:
		out = append(out, siteMoveBinding(a.Port).String())
	}
	return out
}

// siteMoveBinding is the command of a move-site-port step: bind the site to
// the new port (its port 80 binding is then removed by hand).
func siteMoveBinding(port int) *Command {
	return PS("New-WebBinding", "-Name", "<site>", "-Protocol", "http", "-Port", fmt.Sprint(port))
}

// RenderParts joins prose and rendered commands.
func RenderParts(parts []Part) string {
	var b strings.Builder
	for _, p := range parts {
		if p.Run != nil {
			b.WriteString(p.Run.String())
		} else {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// Option is one way to fix a finding: its actions, in order.
type Option struct {
	Name    string   `json:"name"` // e.g. "move-port", "remove"
	Summary string   `json:"summary"`
	Actions []Action `json:"actions,omitempty"`
}

// Steps renders the option's actions for people, one line each: the one
// renderer every report and the plan use. For a single finding:
//
//	for _, o := range f.Remediation { for _, s := range o.Steps() { ... } }
func (o Option) Steps() []string {
	out := make([]string, 0, len(o.Actions))
	for _, a := range o.Actions {
		if s := a.Step(); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Commands returns the commands of the option's actions alone, in order,
// without prose (Action.Commands).
func (o Option) Commands() []string {
	var out []string
	for _, a := range o.Actions {
		out = append(out, a.Commands()...)
	}
	return out
}

// optionJSON is Option as the JSON report writes it: the rendered steps
// beside the actions they come from.
type optionJSON struct {
	Name    string   `json:"name"`
	Summary string   `json:"summary"`
	Steps   []string `json:"steps"`
	Actions []Action `json:"actions,omitempty"`
}

// MarshalJSON writes the rendered steps with the actions, so readers of the
// JSON report get both without rendering.
func (o Option) MarshalJSON() ([]byte, error) {
	return json.Marshal(optionJSON{Name: o.Name, Summary: o.Summary, Steps: o.Steps(), Actions: o.Actions})
}

// UnmarshalJSON reads an option back; the steps are derived, so they are
// not kept.
func (o *Option) UnmarshalJSON(b []byte) error {
	var v optionJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*o = Option{Name: v.Name, Summary: v.Summary, Actions: v.Actions}
	return nil
}

// Value is v as a command argument: data, unless it is a placeholder such
// as <address> (written as given, for the reader to fill in).
func Value(v string) any {
	if strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">") {
		return v
	}
	return D(v)
}
