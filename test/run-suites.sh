#!/bin/sh
# npm test's suites: every suite but those that measure under load, in parallel; then those
# (*.load.spec.ts), one at a time, so that no other suite's members share the cores with them.
# Both passes always run; either failing fails the run.
export NODE_OPTIONS=--experimental-vm-modules
npx jest --testPathIgnorePatterns '\.load\.spec\.ts$'
parallel=$?
npx jest --runInBand --testMatch '**/*.load.spec.ts'
serial=$?
[ "$parallel" -eq 0 ] && [ "$serial" -eq 0 ]
