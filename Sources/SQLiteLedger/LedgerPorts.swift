public import DisclosureCore

// The SQLite ledger is the engine's ledger: every port the core defines, by the methods of the
// same names (Ledger+Runs, +Intake, +Planning, +Batches, +Withdrawals, +Questions, +Report).
extension Ledger: RunLedger, IntakeLedger, PlanningLedger, BatchLedger, WithdrawalLedger, ReportLedger, QuestionLedger {}
