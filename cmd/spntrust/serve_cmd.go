package main

import (
	"context"
	"fmt"
	"net"

	"github.com/spf13/cobra"

	"github.com/spntrust/spntrust/history"
	"github.com/spntrust/spntrust/serve"
)

type serveOptions struct {
	cmdEnv
	history   string
	listen    string
	tlsCert   string
	tlsKey    string
	tokenFile string
	clientCA  string
	// ready, when set, is told the address once the dashboard listens
	// (tests listen on port 0).
	ready func(addr net.Addr)
}

func newCmdServe(f *App, runF func(context.Context, *serveOptions) error) *cobra.Command {
	opts := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve [--history FILE|postgres://...] [--listen 127.0.0.1:8080] [--tls-cert FILE --tls-key FILE] [--token-file FILE] [--client-ca FILE]",
		Short: "Serve a read-only web dashboard over a run history",
		Long: `Serves a read-only dashboard over the runs recorded with 'audit --history':
every forest and domain with its latest run, counts by category and severity,
the trend, what is new and resolved since the previous run, baseline
exceptions with their expiry, each finding with its evidence and remediation,
and each run's reports to download.

It listens on 127.0.0.1 unless told otherwise. Any other address needs TLS
(--tls-cert and --tls-key) and an access check: a token (--token-file, or the
` + serve.TokenEnv + ` environment variable; never a flag value), which browsers
ask for as the password, or client certificates signed by --client-ca.
The history is opened read-only; the dashboard never touches the directory.`,
		Example: `  spntrust serve --history audits.db
  spntrust serve --history 'postgres://spntrust@db.corp.example/spntrust?sslmode=verify-full' \
      --listen 0.0.0.0:8443 --tls-cert dash.pem --tls-key dash.key --token-file /etc/spntrust/token`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.cmdEnv = f.env()
			var from string
			opts.history, from = historyLocation(cmd.Flags().Lookup("history"), opts.Getenv, defaultHistory)
			warnHistoryPassword(opts.Stderr, opts.history, from)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return serveRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.history, "history", defaultHistory, "the history to show (opened read-only)"+historyHelp+", else")
	fl.StringVar(&opts.listen, "listen", serve.DefaultListen, "address to listen on (IP:PORT); beyond loopback needs TLS and --token-file or --client-ca")
	fl.StringVar(&opts.tlsCert, "tls-cert", "", "TLS certificate (PEM), with --tls-key")
	fl.StringVar(&opts.tlsKey, "tls-key", "", "TLS private key (PEM), with --tls-cert")
	fl.StringVar(&opts.tokenFile, "token-file", "", "file holding the access token every request must present (or $"+serve.TokenEnv+")")
	fl.StringVar(&opts.clientCA, "client-ca", "", "CA certificates (PEM): require client certificates they signed")
	return cmd
}

// serveConfig turns the flags and the environment into the dashboard's
// listening configuration and checks it before anything is opened.
func serveConfig(opts *serveOptions) (serve.Config, error) {
	cfg := serve.Config{Listen: opts.listen, CertFile: opts.tlsCert, KeyFile: opts.tlsKey, ClientCAFile: opts.clientCA}
	env := opts.Getenv(serve.TokenEnv)
	switch {
	case opts.tokenFile != "" && env != "":
		return cfg, fmt.Errorf("both --token-file and $%s are set: give the token one way", serve.TokenEnv)
	case opts.tokenFile != "":
		tok, err := serve.ReadToken(opts.tokenFile)
		if err != nil {
			return cfg, err
		}
		if tok == "" {
			return cfg, fmt.Errorf("--token-file %s is empty: put the token in it (e.g. `openssl rand -hex 32 > %s`)", opts.tokenFile, opts.tokenFile)
		}
		cfg.Token, cfg.TokenFrom = tok, "--token-file "+opts.tokenFile
	case env != "":
		cfg.Token, cfg.TokenFrom = env, "$"+serve.TokenEnv
	}
	return cfg, cfg.Check()
}

func serveRun(ctx context.Context, opts *serveOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := serveConfig(opts)
	if err != nil {
		return usageError("%v", err)
	}
	store, err := history.OpenReadOnly(ctx, opts.history)
	if err != nil {
		return inputError(err)
	}
	defer store.Close()
	h, err := serve.Handler(serve.Options{Store: store, Now: opts.Now, Version: opts.Version, Log: opts.Stderr})
	if err != nil {
		return err
	}
	l, err := cfg.Listener()
	if err != nil {
		return usageError("%v", err)
	}
	scheme := "http"
	if cfg.CertFile != "" {
		scheme = "https"
	}
	access := "no access check (loopback only)"
	switch {
	case cfg.Token != "" && cfg.ClientCAFile != "":
		access = "token from " + cfg.TokenFrom + " and client certificates from --client-ca " + cfg.ClientCAFile
	case cfg.Token != "":
		access = "token from " + cfg.TokenFrom
	case cfg.ClientCAFile != "":
		access = "client certificates from --client-ca " + cfg.ClientCAFile
	}
	fmt.Fprintf(opts.Stderr, "spntrust serve: dashboard of %s on %s://%s/ (%s); Ctrl-C stops it\n", store.Location(), scheme, l.Addr(), access)
	if opts.ready != nil {
		opts.ready(l.Addr())
	}
	if err := serve.Serve(ctx, l, cfg.Protect(h), opts.Stderr); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
