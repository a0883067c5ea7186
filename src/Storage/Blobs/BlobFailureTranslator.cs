using Azure;
using Azure.Identity;

namespace Mae.Cluster.Storage.Blobs;

/// <summary>
/// Turns Azure SDK failures into storage exceptions whose messages name the location and say what to do.
/// Messages carry the status and error code only, never the SDK's full text (which can echo request
/// details), and the original is kept as the inner exception for diagnostics.
/// </summary>
internal static class BlobFailureTranslator
{
    public static Exception Translate(Exception exception, string operation, string target)
    {
        return exception switch
        {
            StorageException => exception,
            RequestFailedException { Status: 404 } failed => new StorageObjectNotFoundException(
                $"Could not {operation} {target}: {NotFoundReason(failed.ErrorCode)}.", target, Sanitized(failed)),
            RequestFailedException { Status: 401 or 403 } failed => new StorageAccessDeniedException(
                $"Could not {operation} {target}: access denied (HTTP {failed.Status} {failed.ErrorCode}). " +
                "Check the SAS token's permissions and expiry, the account key, or the identity's role on the container.",
                target,
                Sanitized(failed)),
            // Status 0: no response at all; the network error underneath says why.
            RequestFailedException { Status: 0 } => new StorageException(
                $"Could not {operation} {target}: {TransientFailures.Describe(exception)}" +
                (TransientFailures.IsUnknownHost(exception) ? " (the host name does not resolve: check the account name)." : "."),
                target,
                exception),
            RequestFailedException failed => new StorageException(
                $"Could not {operation} {target}: HTTP {failed.Status} {failed.ErrorCode}.".Replace(" .", ".", StringComparison.Ordinal),
                target,
                Sanitized(failed)),
            AuthenticationFailedException or CredentialUnavailableException => new StorageAccessDeniedException(
                $"Could not {operation} {target}: no Azure credential could be obtained ({SecretRedactor.Redact(exception.Message)}).",
                target),
            // Unknown-host and other permanent network errors.
            _ => new StorageException(
                $"Could not {operation} {target}: {TransientFailures.Describe(exception)}.", target, exception),
        };
    }

    private static string NotFoundReason(string? errorCode) => errorCode switch
    {
        "ContainerNotFound" => "the container does not exist",
        "BlobNotFound" => "the object does not exist",
        _ => $"not found ({errorCode ?? "HTTP 404"})",
    };

    // The SDK's message can quote the service's response body, which for a bad signature includes the
    // string that was signed; keep the status, error code and stack, drop the text.
    public static RequestFailedException Sanitized(RequestFailedException failed) =>
        new(failed.Status, $"HTTP {failed.Status} {failed.ErrorCode}", failed.ErrorCode, innerException: null);
}
