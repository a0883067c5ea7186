using System.Net.Http;
using System.Net.Sockets;
using Azure;

namespace Mae.Cluster.Storage.Blobs;

/// <summary>Tells failures worth retrying (the service or network may recover) from permanent ones.</summary>
internal static class TransientFailures
{
    public static bool IsTransient(Exception exception, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested || IsUnknownHost(exception))
        {
            return false;
        }

        return exception switch
        {
            // Status 0: no HTTP response at all (connection refused or reset, stream cut).
            RequestFailedException failed => failed.Status is 0 or 408 or 429 or 500 or 502 or 503 or 504,
            AggregateException { InnerExceptions.Count: > 0 } all => IsTransient(all.InnerExceptions[^1], cancellationToken),
            HttpRequestException or IOException or SocketException or TimeoutException => true,
            // The caller's token is not cancelled, so this is a network timeout, not a cancellation.
            OperationCanceledException => true,
            _ => false,
        };
    }

    /// <summary>A short description for logs and messages: the status and error code or the network error, redacted.</summary>
    public static string Describe(Exception exception)
    {
        var text = exception switch
        {
            RequestFailedException { Status: > 0 } failed => $"HTTP {failed.Status} {failed.ErrorCode}".TrimEnd(),
            RequestFailedException failed => Innermost(failed).Message,
            OperationCanceledException => "the request timed out",
            _ => Innermost(exception).Message,
        };
        return SecretRedactor.Redact(text).TrimEnd('.');
    }

    // A misspelt account name fails DNS; retrying for a minute would only hide the typo.
    public static bool IsUnknownHost(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData })
            {
                return true;
            }
        }

        return false;
    }

    private static Exception Innermost(Exception exception)
    {
        var e = exception;
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}
