namespace Mae.Cluster.Client;

/// <summary>A status call of a watch that failed and will be retried.</summary>
/// <param name="Failure">Why it failed: no answer within the poll timeout, an unreachable silo or gateway.</param>
/// <param name="Reason">The failure in a few words ("no answer within 3 s", "SiloUnavailableException").</param>
/// <param name="Since">How long the status calls have been failing, counted from the start of the first failed one.</param>
/// <param name="NextTryIn">The pause before the next call.</param>
/// <param name="GiveUpAfter">How long they may fail in all before the watch gives up.</param>
public sealed record JobWatchOutage(Exception Failure, string Reason, TimeSpan Since, TimeSpan NextTryIn, TimeSpan GiveUpAfter);
