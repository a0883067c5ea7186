namespace Mae.Cluster.Storage.Blobs;

// The storage failures callers tell apart. Every message names the location with secrets redacted,
// so a message can be printed or logged as it is.

/// <summary>A storage operation failed; <see cref="Location"/> names where (secrets redacted).</summary>
public class StorageException : Exception
{
    public StorageException() { }

    public StorageException(string message) : base(message) { }

    public StorageException(string message, Exception? innerException) : base(message, innerException) { }

    public StorageException(string message, string? location, Exception? innerException = null)
        : base(message, innerException) => Location = location;

    /// <summary>The location (object or folder) the failure concerns, with SAS tokens and keys redacted.</summary>
    public string? Location { get; }
}

/// <summary>The text given as a storage location is not a location this system understands.</summary>
public sealed class InvalidStorageLocationException : StorageException
{
    public InvalidStorageLocationException() { }

    public InvalidStorageLocationException(string message) : base(message) { }

    public InvalidStorageLocationException(string message, Exception? innerException) : base(message, innerException) { }

    public InvalidStorageLocationException(string message, string? location) : base(message, location) { }
}

/// <summary>A relative object path is malformed or would escape the store's root (e.g. "../x", "/etc/passwd").</summary>
public sealed class InvalidObjectPathException : StorageException
{
    public InvalidObjectPathException() { }

    public InvalidObjectPathException(string message) : base(message) { }

    public InvalidObjectPathException(string message, Exception? innerException) : base(message, innerException) { }

    public InvalidObjectPathException(string message, string? location) : base(message, location) { }
}

/// <summary>The object (or the container/folder holding it) does not exist.</summary>
public sealed class StorageObjectNotFoundException : StorageException
{
    public StorageObjectNotFoundException() { }

    public StorageObjectNotFoundException(string message) : base(message) { }

    public StorageObjectNotFoundException(string message, Exception? innerException) : base(message, innerException) { }

    public StorageObjectNotFoundException(string message, string? location, Exception? innerException = null)
        : base(message, location, innerException) { }
}

/// <summary>The service or file system refused the operation (HTTP 401/403, bad SAS, missing permission).</summary>
public sealed class StorageAccessDeniedException : StorageException
{
    public StorageAccessDeniedException() { }

    public StorageAccessDeniedException(string message) : base(message) { }

    public StorageAccessDeniedException(string message, Exception? innerException) : base(message, innerException) { }

    public StorageAccessDeniedException(string message, string? location, Exception? innerException = null)
        : base(message, location, innerException) { }
}

/// <summary>Transient failures (timeouts, 5xx, throttling, refused connections) outlasted the retry budget.</summary>
public sealed class StorageUnavailableException : StorageException
{
    public StorageUnavailableException() { }

    public StorageUnavailableException(string message) : base(message) { }

    public StorageUnavailableException(string message, Exception? innerException) : base(message, innerException) { }

    public StorageUnavailableException(string message, string? location, Exception? innerException = null)
        : base(message, location, innerException) { }
}

/// <summary>The location cannot be opened with the configuration given (no credentials, bad connection string).</summary>
public sealed class StorageConfigurationException : StorageException
{
    public StorageConfigurationException() { }

    public StorageConfigurationException(string message) : base(message) { }

    public StorageConfigurationException(string message, Exception? innerException) : base(message, innerException) { }

    public StorageConfigurationException(string message, string? location) : base(message, location) { }
}

/// <summary>An object was replaced or deleted while it was being read, so the read cannot resume consistently.</summary>
public sealed class StorageObjectChangedException : StorageException
{
    public StorageObjectChangedException() { }

    public StorageObjectChangedException(string message) : base(message) { }

    public StorageObjectChangedException(string message, Exception? innerException) : base(message, innerException) { }

    public StorageObjectChangedException(string message, string? location, Exception? innerException = null)
        : base(message, location, innerException) { }
}

/// <summary>The location cannot be written (read-only folder, a path component that is a file, HTTP 403).</summary>
public sealed class StorageNotWritableException : StorageException
{
    public StorageNotWritableException() { }

    public StorageNotWritableException(string message) : base(message) { }

    public StorageNotWritableException(string message, Exception? innerException) : base(message, innerException) { }

    public StorageNotWritableException(string message, string? location, Exception? innerException = null)
        : base(message, location, innerException) { }
}
