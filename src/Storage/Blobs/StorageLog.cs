using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Storage.Blobs;

/// <summary>Log events of the storage layer. Every location passed here is already redacted.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 1, EventName = "StoreOpened", Level = LogLevel.Debug,
        Message = "Opened {Kind} store at {Location} ({Authentication})")]
    public static partial void StoreOpened(ILogger logger, StorageLocationKind kind, string location, string authentication);

    [LoggerMessage(EventId = 2, EventName = "RetryingTransientFailure", Level = LogLevel.Warning,
        Message = "Retrying {Operation} {Target} in {DelayMs} ms (attempt {Attempt}, {ElapsedMs} ms since the first failure): {Failure}")]
    public static partial void RetryingTransientFailure(
        ILogger logger, string operation, string target, long delayMs, int attempt, long elapsedMs, string failure);

    [LoggerMessage(EventId = 3, EventName = "ResumingRead", Level = LogLevel.Warning,
        Message = "Resuming read of {Target} at byte {Offset} of {Length}: {Failure}")]
    public static partial void ResumingRead(ILogger logger, string target, long offset, long length, string failure);

    [LoggerMessage(EventId = 4, EventName = "ContainerCreationRefused", Level = LogLevel.Information,
        Message = "Not allowed to create container {Container} ({Failure}); checking that it can be written as it is")]
    public static partial void ContainerCreationRefused(ILogger logger, string container, string failure);

    [LoggerMessage(EventId = 5, EventName = "TemporaryFileLeft", Level = LogLevel.Warning,
        Message = "Could not remove temporary file {TempFile}: {Failure}")]
    public static partial void TemporaryFileLeft(ILogger logger, string tempFile, string failure);
}
