using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mae.Cluster.Storage.Blobs;

/// <summary>Opens the <see cref="IObjectStore"/> for a location; callers above it never see the backend.</summary>
public static class ObjectStoreFactory
{
    /// <summary>Opens a store for <paramref name="location"/>.</summary>
    /// <exception cref="StorageConfigurationException">A blob location has no usable credentials.</exception>
    public static IObjectStore Create(StorageLocation location, StorageOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(location);
        options ??= new StorageOptions();
        options.Validate();
        logger ??= NullLogger.Instance;

        if (location.Kind == StorageLocationKind.Local)
        {
            LogOpened(logger, location, "file system");
            return new LocalObjectStore(location, logger);
        }

        var (client, authentication) = BlobContainerClientFactory.Create(location, options);
        LogOpened(logger, location, authentication);
        return new BlobObjectStore(location, client, options, logger);
    }

    private static void LogOpened(ILogger logger, StorageLocation location, string authentication)
    {
        var text = location.ToString();
        StorageLog.StoreOpened(logger, location.Kind, text, authentication);
    }

    /// <summary>Parses <paramref name="location"/> and opens a store for it.</summary>
    /// <exception cref="InvalidStorageLocationException">The text is not a valid location.</exception>
    public static IObjectStore Create(string location, StorageOptions? options = null, ILogger? logger = null) =>
        Create(StorageLocation.Parse(location), options, logger);
}
