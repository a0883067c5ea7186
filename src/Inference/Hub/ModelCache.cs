namespace Mae.Cluster.Inference.Hub;

/// <summary>
/// Where downloaded checkpoints live: <c>{root}/hub/{owner}--{name}/{revision}/</c> holds the files once complete,
/// a <see cref="CacheManifest"/> that marks the folder complete, partial downloads as <c>{file}.incomplete</c>
/// and a lock file that keeps two processes from downloading into the same folder at once.
/// </summary>
public sealed class ModelCache
{
    /// <summary>Name of the manifest; written last, so its presence means every file arrived whole.</summary>
    public const string ManifestFileName = ".mae-manifest.json";

    internal const string LockFileName = ".mae-download.lock";
    internal const string IncompleteSuffix = ".incomplete";

    // Names the version (etag) a partial file belongs to, so a resume never splices two versions together.
    internal const string IncompleteEtagSuffix = ".incomplete.etag";

    public ModelCache(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>
    /// <c>MAE_HOME</c> when set, else <c>$XDG_CACHE_HOME/mae</c>, else <c>~/.cache/mae</c>
    /// (the local application-data folder on Windows).
    /// </summary>
    /// <param name="getVariable">Reads one environment variable; the process environment when null.</param>
    public static string DefaultRoot(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        if (getVariable("MAE_HOME") is { Length: > 0 } maeHome)
        {
            return maeHome;
        }

        if (getVariable("XDG_CACHE_HOME") is { Length: > 0 } xdgCache)
        {
            return Path.Combine(xdgCache, "mae");
        }

        if (OperatingSystem.IsWindows())
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "mae");
        }

        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "mae");
    }

    /// <summary>The folder that holds <paramref name="repo"/> at <paramref name="revision"/> (which may not exist yet).</summary>
    public string RevisionDirectory(HubRepoId repo, string revision) =>
        Path.Combine(Root, "hub", $"{repo.Owner}--{repo.Name}", HubRevision.ToFolderName(HubRevision.Validate(revision)));

    /// <summary>
    /// The folder of a complete download, without touching the network: its manifest exists, names this repo and
    /// every file it lists is present with the recorded size. Null otherwise.
    /// </summary>
    public string? FindComplete(HubRepoId repo, string revision, IReadOnlyCollection<string> fileNames)
    {
        var directory = RevisionDirectory(repo, revision);
        var manifest = CacheManifest.TryRead(Path.Combine(directory, ManifestFileName));
        if (manifest is null || manifest.RepoId != repo.ToString())
        {
            return null;
        }

        foreach (var fileName in fileNames)
        {
            var entry = manifest.Files.FirstOrDefault(f => f.Name == fileName);
            var file = new FileInfo(Path.Combine(directory, fileName));
            if (entry is null || !file.Exists || file.Length != entry.Size)
            {
                return null;
            }
        }

        return directory;
    }
}
