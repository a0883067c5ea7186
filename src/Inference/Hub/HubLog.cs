using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Inference.Hub;

/// <summary>Log lines of the Hub download. URLs appear as host and path only; the token never appears.</summary>
internal static partial class HubLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "{Repo}@{Revision} is in the cache at {Directory}")]
    public static partial void CacheHit(ILogger logger, string repo, string revision, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Waiting for another process that is downloading into {Directory}")]
    public static partial void WaitingForLock(ILogger logger, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloading {Repo}@{Revision} (commit {Commit}) into {Directory}")]
    public static partial void Downloading(ILogger logger, string repo, string revision, string commit, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{File}: {Reason} (from {Url}); try {Attempt} follows in {Delay}")]
    public static partial void Retrying(ILogger logger, string file, string reason, string url, int attempt, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "{File}: {Bytes} bytes verified")]
    public static partial void FileDone(ILogger logger, string file, long bytes);
}
