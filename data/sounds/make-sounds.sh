#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The result sounds, synthesised with sox for Merkki itself (no third-party
# recording, so no other licence): a rising two-tone (A5 then E6) for a
# valid label, a lower, falling two-tone (A4 then E4) for anything that
# needs a second look. Run from this directory to make them again.
set -eu
comment='Made for Merkki with sox (GPL-3.0-or-later)'
sox -n -r 48000 -c 1 -t ogg --comment "$comment" valid.oga \
  synth 0.11 sine 880 fade h 0.005 0.11 0.03 vol 0.5 : \
  synth 0.16 sine 1319 fade h 0.005 0.16 0.08 vol 0.5
sox -n -r 48000 -c 1 -t ogg --comment "$comment" negative.oga \
  synth 0.16 sine 440 fade h 0.005 0.16 0.03 vol 0.5 : \
  synth 0.22 sine 330 fade h 0.005 0.22 0.1 vol 0.5
