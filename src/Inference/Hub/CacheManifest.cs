using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mae.Cluster.Inference.Hub;

/// <summary>What a complete cache folder holds and where it came from.</summary>
/// <param name="RepoId">The model id, <c>owner/name</c>.</param>
/// <param name="Revision">The revision asked for (e.g. <c>main</c>).</param>
/// <param name="Commit">The commit the Hub resolved it to (<c>X-Repo-Commit</c>), when it said.</param>
/// <param name="Files">One entry per downloaded file.</param>
/// <param name="CompletedAt">When the last file was verified.</param>
public sealed record CacheManifest(
    string RepoId,
    string Revision,
    string? Commit,
    IReadOnlyList<CacheManifestFile> Files,
    DateTimeOffset CompletedAt)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The manifest at <paramref name="path"/>, or null when it is missing or unreadable (an unfinished cache).</summary>
    public static CacheManifest? TryRead(string path)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize<CacheManifest>(File.ReadAllText(path), Json);
            return manifest is { RepoId: not null, Files: not null } ? manifest : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes through a temporary file and a rename, so a reader sees the old manifest, none, or this one whole.</summary>
    internal void WriteAtomically(string path)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>One verified file of a <see cref="CacheManifest"/>.</summary>
/// <param name="Name">File name inside the revision folder.</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="Etag">The Hub's etag for it (the sha256 for files kept in LFS, a git blob id otherwise).</param>
/// <param name="Sha256">Lower-case hex SHA-256, when the Hub gave one and it was checked.</param>
public sealed record CacheManifestFile(string Name, long Size, string? Etag, string? Sha256);
