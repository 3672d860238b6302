// Package packaging holds the tests of the files that run spntrust on a
// schedule: the systemd service and timer (systemd/), the Kubernetes CronJob
// and Secrets (kubernetes/) and the container build (container/). It is a
// module of its own so that the Kubernetes API types its tests decode the
// manifests into are no dependency of spntrust itself.
package packaging
