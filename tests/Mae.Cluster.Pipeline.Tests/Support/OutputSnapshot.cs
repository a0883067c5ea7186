using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Pipeline.Tests.Support;

/// <summary>
/// A job's output as it was at one moment: every file copied into <see cref="Folder"/> (so later runs cannot change
/// it), and the objects as the store lists them, with the versions that change whenever one is rewritten.
/// </summary>
internal sealed record OutputSnapshot(string Folder, IReadOnlyList<string> Files, IReadOnlyDictionary<string, StoredObject> Objects)
{
    public byte[] Bytes(string path) => File.ReadAllBytes(System.IO.Path.Combine(Folder, path));

    public bool Has(string path) => Files.Contains(path);

    public string Version(string path) => Objects[path].Version;
}
