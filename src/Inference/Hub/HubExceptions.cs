namespace Mae.Cluster.Inference.Hub;

/// <summary>A checkpoint could not be fetched from the Hugging Face Hub; the message says why and what to do.</summary>
public class HubException : Exception
{
    public HubException()
    {
    }

    public HubException(string message)
        : base(message)
    {
    }

    public HubException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The Hub (or the server it redirected to) could not be reached, even after retries.</summary>
public sealed class HubUnreachableException : HubException
{
    public HubUnreachableException()
    {
    }

    public HubUnreachableException(string message)
        : base(message)
    {
    }

    public HubUnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The Hub refused access (HTTP 401/403): the model is gated or private, or the token is missing or wrong.</summary>
public sealed class HubAccessDeniedException : HubException
{
    public HubAccessDeniedException()
    {
    }

    public HubAccessDeniedException(string message)
        : base(message)
    {
    }

    public HubAccessDeniedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The Hub has no such model, revision or file (HTTP 404).</summary>
public sealed class HubNotFoundException : HubException
{
    public HubNotFoundException()
    {
    }

    public HubNotFoundException(string message)
        : base(message)
    {
    }

    public HubNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Downloaded bytes do not match the size or SHA-256 the Hub announced; the partial file was deleted.</summary>
public sealed class HubIntegrityException : HubException
{
    public HubIntegrityException()
    {
    }

    public HubIntegrityException(string message)
        : base(message)
    {
    }

    public HubIntegrityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
