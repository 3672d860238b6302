# spntrust — see README.md. Targets that touch the lab need root.
GO        ?= go
BIN       ?= bin/spntrust
# Build stamp (spntrust version): evaluated once (the := below each ?=), so
# every binary of a release carries the same values. An empty one (no git)
# is filled at run time from what the toolchain recorded (internal/buildinfo).
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0-dev)
VERSION    := $(VERSION)
COMMIT     ?= $(shell git rev-parse HEAD 2>/dev/null)$(shell test -z "$$(git status --porcelain 2>/dev/null)" || echo -dirty)
COMMIT     := $(COMMIT)
# SOURCE_DATE_EPOCH (reproducible builds) names the date, else now.
BUILD_DATE ?= $(shell date -u $${SOURCE_DATE_EPOCH:+-d @$$SOURCE_DATE_EPOCH} +%Y-%m-%dT%H:%M:%SZ)
BUILD_DATE := $(BUILD_DATE)
BUILDINFO  := github.com/spntrust/spntrust/internal/buildinfo
LDFLAGS    := -X $(BUILDINFO).version=$(VERSION) -X $(BUILDINFO).commit=$(COMMIT) -X $(BUILDINFO).date=$(BUILD_DATE)
# Static binaries: no cgo anywhere (SQLite is modernc.org/sqlite, pure Go;
# net and os/user use their Go implementations), no local paths inside.
GOBUILD    := CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)"
LAB       := testdata/lab/lab.sh
REPORT    ?= spntrust-report.txt

.PHONY: all build release test fuzz soak unit-test vet fmt-check demo lab-up lab-down lab-status clean deps-browser deps-postgres windows wine-deps wine-test

all: build

build:
	$(GOBUILD) -o $(BIN) ./cmd/spntrust

# One static binary per platform in $(DIST) (spntrust-VERSION-OS-ARCH[.exe])
# and their SHA-256 sums in $(DIST)/SHA256SUMS (check: sha256sum -c SHA256SUMS).
PLATFORMS ?= linux/amd64 linux/arm64 windows/amd64 windows/arm64 darwin/amd64 darwin/arm64
DIST      ?= dist
release:
	rm -rf $(DIST)
	mkdir -p $(DIST)
	@set -e; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; test "$$os" != windows || ext=.exe; \
		out=$(DIST)/spntrust-$(VERSION)-$$os-$$arch$$ext; echo "build $$out"; \
		GOOS=$$os GOARCH=$$arch $(GOBUILD) -o $$out ./cmd/spntrust; \
	done
	cd $(DIST) && sha256sum spntrust-* > SHA256SUMS
	@echo "$(DIST)/SHA256SUMS:"; cat $(DIST)/SHA256SUMS

# Every test, including the integration tests against the Samba AD lab, which
# is started first when it is not up. With SPNTRUST_LAB_REQUIRED=1 a lab that
# is not there fails the tests instead of skipping them.
# -p 1: lab tests of different packages change the shared directory (fix --apply,
# history runs); one package at a time keeps each test's view of the lab exact.
# The wine tests (internal/winetest: the Windows build under wine) are
# required here too (SPNTRUST_WINE_REQUIRED=1): wine-deps installs wine.
test: vet fmt-check deps-browser deps-postgres wine-deps lab-up
	SPNTRUST_LAB_REQUIRED=1 SPNTRUST_WINE_REQUIRED=1 $(GO) test -count=1 -p 1 ./...
	SPNTRUST_LAB_REQUIRED=1 $(MAKE) packaging-test
	GO=$(GO) scripts/fuzz.sh $(FUZZ_TEST_TIME) 100x

# Fuzz every Fuzz* target in the module for FUZZTIME each (scripts/fuzz.sh).
# A crasher is written to <package>/testdata/fuzz/<FuzzName>/ and from then
# on replays as a regression test in every `go test`. `make test` runs a
# short pass with an execution budget per target (no wall-clock deadline to
# race: see scripts/fuzz.sh).
FUZZTIME       ?= 10s
FUZZ_TEST_TIME ?= 2000x
fuzz:
	GO=$(GO) scripts/fuzz.sh $(FUZZTIME) 2s

# Repeated live audits of the lab in one process: heap, goroutines and file
# descriptors must come back to where they were (SOAK_N audits, default 50).
SOAK_N ?= 50
soak: lab-up
	SPNTRUST_LAB_REQUIRED=1 SPNTRUST_SOAK=1 SPNTRUST_SOAK_N=$(SOAK_N) $(GO) test -count=1 -timeout 60m -run 'TestLabSoak' -v ./cmd/spntrust

# Debian's chromium for the HTML report's headless-browser test (needs root).
# apt waits up to 10 minutes for a dpkg lock held by another install (the lab
# installs its packages too) instead of failing.
APT := DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -qq
deps-browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing chromium (HTML report browser test)"; \
		$(APT) install -y chromium >/dev/null 2>&1 || \
		{ $(APT) update && $(APT) install -y chromium >/dev/null; }; }

# The Windows build (bin/spntrust.exe), vetted as Windows code: the SSPI
# bind, the machine's domain and DNS servers, the owner-only ACLs.
windows:
	GOOS=windows GOARCH=amd64 $(GOBUILD) -o $(BIN).exe ./cmd/spntrust
	GOOS=windows GOARCH=amd64 $(GO) vet ./...

# Debian's wine (wine, wine64) and binutils-mingw-w64's ld, which links the
# bcryptprimitives.dll Go's Windows runtime needs and wine 8.0 lacks
# (internal/winetest). Needs root.
wine-deps:
	@{ command -v wine >/dev/null 2>&1 && command -v x86_64-w64-mingw32-ld >/dev/null 2>&1; } || { \
		echo "installing wine, wine64, binutils-mingw-w64-x86-64 (Windows build tests)"; \
		$(APT) install -y --no-install-recommends wine wine64 binutils-mingw-w64-x86-64 >/dev/null 2>&1 || \
		{ $(APT) update && $(APT) install -y --no-install-recommends wine wine64 binutils-mingw-w64-x86-64 >/dev/null; }; }

# The Windows build under wine: offline commands and files byte-identical to
# the Linux build's, the .cmd scripts against the setspn stand-in, atomic
# writes, and the SSPI bind against the lab's DC1 (MIT krb5 behind wine's
# Kerberos package). The wine prefix is made once, in $$SPNTRUST_WINEPREFIX
# or $$TMPDIR/spntrust-wineprefix-UID, and reused.
wine-test: windows wine-deps lab-up
	SPNTRUST_LAB_REQUIRED=1 SPNTRUST_WINE_REQUIRED=1 $(GO) test -count=1 -v ./internal/winetest ./internal/setspnsim

# Debian's postgresql for the history store tests (needs root). The tests
# start their own private cluster (initdb into a temporary directory, as the
# postgres user) and never touch a system cluster.
deps-postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "installing postgresql (history store tests)"; \
		$(APT) install -y postgresql >/dev/null 2>&1 || \
		{ $(APT) update && $(APT) install -y postgresql >/dev/null; }; }

# The scheduled-run packaging (packaging/): systemd-analyze verify and
# security on the units, the Kubernetes manifests decoded strictly into the
# API's types, the Containerfile's build stage run here. A module of its own
# (the Kubernetes types are no dependency of spntrust), so ./... skips it.
.PHONY: packaging-test
packaging-test:
	cd packaging && $(GO) vet ./... && $(GO) test -count=1 ./...

# Offline tests only: lab tests skip with a message saying how to start it.
unit-test:
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...
	GOOS=windows GOARCH=amd64 $(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

LAB_ENV   ?= /var/tmp/spntrust-lab/lab.env
# BIN as a command: ./bin/spntrust for the default relative path, as is for /abs/path.
BIN_RUN    = $(if $(filter /%,$(BIN)),$(BIN),./$(BIN))
DEMO_DIR  ?= demo-out

# The main job: bring the lab up and audit it live (Kerberos bind with the
# signing layer, realm and KDC found through the lab DC's DNS), writing the
# reports and the snapshot to $(DEMO_DIR).
demo: build lab-up
	@mkdir -p $(DEMO_DIR)
	@set -a; . $(LAB_ENV); set +a; \
	env -u KRB5_CONFIG $(BIN_RUN) audit --domain "$$LAB_DC1_DOMAIN" --dns-server "$$LAB_DC1_IP" \
		--user "$$LAB_ADMIN_USER@$$LAB_DC1_REALM" --password-file "$$LAB_ADMIN_PASSWORD_FILE" --follow-trusts --probe-tickets \
		--save-snapshot $(DEMO_DIR)/snapshot.json \
		--output text=$(DEMO_DIR)/report.txt --output html=$(DEMO_DIR)/report.html --output json=$(DEMO_DIR)/report.json; \
	rc=$$?; test $$rc -le 1 || exit $$rc
	@echo "Report: $(CURDIR)/$(DEMO_DIR)/report.html (also report.txt, report.json; snapshot: snapshot.json)"

# SCALE=N (e.g. make lab-up SCALE=50000) also seeds N accounts: see testdata/lab/README.md.
lab-up:
	SCALE="$(SCALE)" $(LAB) up

lab-down:
	$(LAB) down

# Issue 10: time and peak memory of an audit against ldapsearch (the floor),
# ldapdomaindump and GetUserSPNs on the lab's DC1, medians of REPEAT runs;
# results and how to read them: bench/RESULTS.md. Needs root and the lab.
.PHONY: bench
bench:
	REPEAT="$(or $(REPEAT),3)" bench/bench.sh

# Issue 22: each dashboard page's time against the store's size (10, 50 and
# 100 runs of a 50,000-account estate, SQLite and PostgreSQL), with ratios;
# bench/RESULTS.md. BENCHTIME=Nx iterations a page (default 5x).
.PHONY: bench-dashboard
bench-dashboard: deps-postgres
	GO=$(GO) BENCHTIME="$(or $(BENCHTIME),5x)" bench/dashboard.sh

lab-status:
	$(LAB) status

clean:
	rm -rf bin $(DIST)
