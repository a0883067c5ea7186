namespace Mae.Cluster.Inference.Tests.Checkpoints;

/// <summary>A fresh directory under the system temp folder, deleted with everything in it on dispose.</summary>
internal sealed class CheckpointTempDirectory : IDisposable
{
    public CheckpointTempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mae-checkpoint-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
