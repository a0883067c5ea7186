using Mae.Cluster.Storage.Blobs;
using Mae.Cluster.Storage.Tests.Infrastructure;

namespace Mae.Cluster.Storage.Tests.Blobs;

/// <summary>The shared store behaviour on a real local folder, plus what only a file system can get wrong.</summary>
public sealed class LocalObjectStoreTests : ObjectStoreContractTests
{
    private readonly TempDirectory _temp = new();

    protected override IObjectStore CreateStore() =>
        ObjectStoreFactory.Create(_temp.Combine("store-" + Guid.NewGuid().ToString("N")[..8], "out"), TestOptions(null), Log);

    protected override int CreateRaceRounds => 500;

    public override async ValueTask DisposeAsync()
    {
        _temp.Dispose();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task EscapingPathsWriteNothingOutsideTheFolder()
    {
        var parent = Path.GetDirectoryName(Store.Location.LocalPath)!;

        await Assert.ThrowsAsync<InvalidObjectPathException>(() => Store.WriteAsync("../sibling.txt", "x"u8.ToArray(), Token));

        Assert.Equal([Store.Location.LocalPath], Directory.EnumerateFileSystemEntries(parent));
    }

    [Fact]
    public async Task WritesLeaveNoTemporaryFilesBehind()
    {
        await Store.WriteAsync("a/b.bin", TestContent.Bytes(5000, 1), Token);
        await Store.WriteAsync("a/b.bin", new GeneratedStream(5000, 2), Token);
        Assert.True(await Store.TryCreateAsync("a/c.bin", "c"u8.ToArray(), Token));
        Assert.False(await Store.TryCreateAsync("a/c.bin", "d"u8.ToArray(), Token));

        var files = Directory.EnumerateFiles(Store.Location.LocalPath!, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Store.Location.LocalPath!, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);
        Assert.Equal(["a/b.bin", "a/c.bin"], files);
    }

    [Fact]
    public async Task EnsureWritableBelowARegularFileNamesTheLocation()
    {
        var file = _temp.Combine("plain-file");
        await File.WriteAllTextAsync(file, "not a folder", Token);
        var store = ObjectStoreFactory.Create(Path.Combine(file, "output"), TestOptions(null), Log);

        var error = await Assert.ThrowsAsync<StorageNotWritableException>(() => store.EnsureWritableAsync(Token));

        Assert.Contains(Path.Combine(file, "output"), error.Message, StringComparison.Ordinal);
        Assert.Contains("is not writable", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{file} is a file, not a folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureWritableOnAReadOnlyFolderNamesTheLocation()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix permission bits do not apply on Windows.");
            return;
        }

        if (Environment.UserName == "root")
        {
            Assert.Skip("Permission bits do not stop root; EnsureWritableBelowARegularFileNamesTheLocation covers root.");
        }

        var folder = _temp.Combine("read-only");
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        var store = ObjectStoreFactory.Create(folder, TestOptions(null), Log);

        var error = await Assert.ThrowsAsync<StorageNotWritableException>(() => store.EnsureWritableAsync(Token));

        Assert.Contains(folder, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ObjectsAreFilesAtTheirRelativePath()
    {
        await Store.WriteAsync("img_emb/img_emb_0.npy", "npy"u8.ToArray(), Token);

        var file = Path.Combine(Store.Location.LocalPath!, "img_emb", "img_emb_0.npy");
        Assert.Equal("npy"u8.ToArray(), await File.ReadAllBytesAsync(file, Token));
    }
}
