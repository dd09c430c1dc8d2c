#!/usr/bin/env bash
# Appointment workflow benchmark on a stored 2,000-order day: `dispatch slots` for one order and
# `dispatch notices send` of 1,000 due notices to a loopback receiver. Prints a table.
#   bench/appointments.sh [--database URL] [--orders N] [--technicians N] [--runs N] [--notices N]
set -euo pipefail
source "$(dirname "$0")/setup.sh" --no-peers
python3 bench/appointments.py "$DISPATCH" "$@"
