#!/usr/bin/env bash
# Shows that the simulator's checkers can fail: plants each of a few known Raft bugs in a
# scratch copy of RaftCore, builds the simulator against it, and runs seeds until a
# violation is reported (or the seed bound is reached, which fails the check).
#
#   scripts/mutation-check.sh [SEEDS_MAX]     (default 300 seeds per bug)
#
# The scratch copy holds only RaftCore and PaddockSimulation with a small runner, so it
# builds without the server's dependencies. Nothing in the repository is changed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seeds_max=${1:-300}
scratch=${PADDOCK_MUTATION_DIR:-$(mktemp -d /tmp/paddock-mutation.XXXXXX)}
mkdir -p "$scratch"
echo "scratch copy: $scratch"

mkdir -p "$scratch/Sources/runner"
rm -rf "$scratch/Sources/PaddockSimulation"
cp -R "$root/Sources/PaddockSimulation" "$scratch/Sources/"
cat >"$scratch/Package.swift" <<'SWIFT'
// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "PaddockMutation",
    targets: [
        .target(name: "RaftCore"),
        .target(name: "PaddockSimulation", dependencies: ["RaftCore"]),
        .executableTarget(name: "runner", dependencies: ["PaddockSimulation"]),
    ],
    swiftLanguageModes: [.v6]
)
SWIFT
cat >"$scratch/Sources/runner/main.swift" <<'SWIFT'
import PaddockSimulation

let seedsMax = UInt64(CommandLine.arguments[1])!
var found = false
for seed in 1...seedsMax {
    var simulation = Simulation(seed: seed)
    let outcome = simulation.run()
    if let violation = outcome.violation {
        print("caught at seed \(seed): \(violation)")
        found = true
        break
    }
}
if !found { print("no violation in \(seedsMax) seeds") }
SWIFT

# name @@ file @@ text to find @@ replacement (plain text, replaced literally)
mutations=(
  "count replicas for an old-term entry @@ RaftNode+Replication.swift @@ guard quorumIndex > log.committed, log.term(at: quorumIndex) == term else @@ guard quorumIndex > log.committed else"
  "do not persist the vote @@ RaftNode.swift @@ HardState(term: term, vote: vote, commit: log.committed) @@ HardState(term: term, vote: nil, commit: log.committed)"
  "acknowledge an append before it is persisted @@ RaftNode+Step.swift @@ if role == .leader && replication.contains(m.kind) { @@ if (role == .leader && replication.contains(m.kind)) || m.kind == .appendResponse {"
  "grant a vote to a candidate with a stale log @@ RaftNode+Election.swift @@ if canVote && log.isUpToDate(lastIndex: m.index, lastTerm: m.logTerm) { @@ if canVote {"
  "answer a ReadIndex before the no-op commits @@ RaftNode+ReadIndex.swift @@ guard committedInCurrentTerm else { @@ guard committedInCurrentTerm || reads.awaitingCommit.count >= 0 else {"
)

failed=0
for mutation in "${mutations[@]}"; do
    name=${mutation%% @@ *}; rest=${mutation#* @@ }
    file=${rest%% @@ *}; rest=${rest#* @@ }
    find=${rest%% @@ *}; replace=${rest#* @@ }
    rm -rf "$scratch/Sources/RaftCore"
    cp -R "$root/Sources/RaftCore" "$scratch/Sources/RaftCore"
    target="$scratch/Sources/RaftCore/$file"
    before=$(cksum <"$target")
    FIND=$find REPLACE=$replace perl -pi -e 's/\Q$ENV{FIND}\E/$ENV{REPLACE}/' "$target"
    if [ "$(cksum <"$target")" = "$before" ]; then
        echo "MUTATION NOT APPLIED: $name (the text to replace is gone from $file)"
        failed=1
        continue
    fi
    echo "== $name"
    if ! (cd "$scratch" && swift build --product runner 2>&1 | grep -E "error:" ); then :; fi
    set +e
    result=$(cd "$scratch" && ./.build/debug/runner "$seeds_max" 2>&1)
    code=$?
    set -e
    grep -E "^caught at seed|^no violation|Precondition failed|Fatal error" <<<"$result" | head -3
    if grep -q "^caught at seed" <<<"$result"; then
        echo "   -> caught"
    elif grep -q "Fatal error\|Precondition failed" <<<"$result"; then
        echo "   -> caught by a RaftCore precondition (the process stopped)"
    else
        echo "   -> NOT CAUGHT within $seeds_max seeds (exit $code)"
        failed=1
    fi
done
exit $failed
