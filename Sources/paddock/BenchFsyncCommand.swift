import ArgumentParser
import PaddockStorage

/// `paddock bench-fsync`: how many durable one-row SQLite transactions this disk takes per second.
///
/// The number bounds a member's write rate without group commit, so benchmark reports
/// start with it. It writes a scratch database in a new folder under `--dir` (the disk to
/// measure) and removes that folder after.
struct BenchFsyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-fsync",
        abstract: "Measure durable SQLite transactions per second (WAL, synchronous=FULL)."
    )

    @Option(help: "Directory on the disk to measure; a scratch folder is made in it and removed.")
    var dir: String = "."

    @Option(help: "Number of one-row transactions to write.")
    var transactions: Int = 2_000

    func validate() throws {
        guard transactions > 0, transactions <= 1_000_000 else {
            throw ValidationError("--transactions must be between 1 and 1,000,000")
        }
    }

    func run() throws {
        let rate = try LogStore.measureFsyncRate(directory: dir, transactions: transactions)
        print("fsync: \(Int(rate.rounded())) transactions/s over \(transactions) transactions")
    }
}
