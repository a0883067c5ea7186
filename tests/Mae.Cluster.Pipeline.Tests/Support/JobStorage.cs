using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Mae.Cluster.Inference.Engine;
using Mae.Cluster.Storage.Blobs;
using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Pipeline.Tests.Support;

/// <summary>
/// A test job's input and output locations on one backend: a root folder with input/ and output/, or a fresh
/// Azurite container with input/ and output/ prefixes. Inputs are put and outputs read back with the plain file
/// system or the Azure SDK, not with the product's stores, so what the tests see is what is really there.
/// </summary>
internal sealed class JobStorage : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly BlobContainerClient? _container;
    private int _snapshots;

    private JobStorage(StorageBackend backend, AzuriteFixture azurite)
    {
        Backend = backend;
        if (backend == StorageBackend.LocalFolder)
        {
            Directory.CreateDirectory(InputFolder);
            Input = InputFolder;
            Output = OutputFolder;
            Options = new StorageOptions { ConnectionString = null };
        }
        else
        {
            ContainerName = "pipeline-" + Guid.NewGuid().ToString("N")[..20];
            _container = new BlobContainerClient(azurite.ConnectionString, ContainerName);
            Input = $"{azurite.BlobEndpoint}/{ContainerName}/input";
            Output = $"{azurite.BlobEndpoint}/{ContainerName}/output";
            Options = new StorageOptions { ConnectionString = azurite.ConnectionString, Retry = FastRetries };
        }
    }

    /// <summary>Storage retries quick enough for a test, patient enough to ride out an Azurite restart.</summary>
    public static StorageRetryOptions FastRetries { get; } = new()
    {
        FirstDelay = TimeSpan.FromMilliseconds(100),
        MaxDelay = TimeSpan.FromSeconds(1),
        GiveUpAfter = TimeSpan.FromSeconds(45),
    };

    public StorageBackend Backend { get; }

    /// <summary>The input location as a job is given it.</summary>
    public string Input { get; }

    /// <summary>The output location as a job is given it.</summary>
    public string Output { get; }

    public StorageOptions Options { get; }

    /// <summary>The Azurite container holding input/ and output/; null for local folders.</summary>
    public string? ContainerName { get; }

    /// <summary>The local folder holding input/ and output/ (and nothing else); local backend only.</summary>
    public string LocalRoot => _temp.Combine("job");

    private string InputFolder => Path.Combine(LocalRoot, "input");

    private string OutputFolder => Path.Combine(LocalRoot, "output");

    public static async Task<JobStorage> CreateAsync(StorageBackend backend, AzuriteFixture azurite, CancellationToken cancellationToken)
    {
        var storage = new JobStorage(backend, azurite);
        if (storage._container is not null)
        {
            await storage._container.CreateAsync(cancellationToken: cancellationToken);
        }
        return storage;
    }

    /// <summary>A runner for a job from <see cref="Input"/> to <see cref="Output"/> (small shards of loose images, two shards in flight).</summary>
    public InProcessJob Runner(MaeEngine engine, ILogger? logger = null, Action<ShardJobOptions>? configure = null)
    {
        var options = new ShardJobOptions { Input = Input, Output = Output, ShardSize = 2, ShardsInFlight = 2 };
        configure?.Invoke(options);
        return new InProcessJob(engine, options, TinyModel.Name, Options, logger);
    }

    public async Task PutInputAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        if (_container is null)
        {
            var file = Path.Combine(InputFolder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await File.WriteAllBytesAsync(file, content, cancellationToken);
            return;
        }
        await _container.GetBlobClient("input/" + path).UploadAsync(new BinaryData(content), cancellationToken);
    }

    public async Task DeleteOutputAsync(string path, CancellationToken cancellationToken)
    {
        if (_container is null)
        {
            File.Delete(Path.Combine(OutputFolder, path));
            return;
        }
        await _container.GetBlobClient("output/" + path).DeleteAsync(cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Makes writing the output object at <paramref name="path"/> fail, as a crash between a shard's files would stop
    /// it: a folder in its place, or a blob under an infinite lease. Returns what lifts the block.
    /// </summary>
    public async Task<Func<Task>> BlockOutputAsync(string path, CancellationToken cancellationToken)
    {
        if (_container is null)
        {
            var folder = Path.Combine(OutputFolder, path);
            Directory.CreateDirectory(folder);
            return () =>
            {
                Directory.Delete(folder);
                return Task.CompletedTask;
            };
        }
        var blob = _container.GetBlobClient("output/" + path);
        await blob.UploadAsync(new BinaryData("held by a lease"u8.ToArray()), cancellationToken);
        var lease = blob.GetBlobLeaseClient();
        await lease.AcquireAsync(BlobLeaseClient.InfiniteLeaseDuration, cancellationToken: cancellationToken);
        return async () =>
        {
            await lease.ReleaseAsync(cancellationToken: cancellationToken);
            await blob.DeleteAsync(cancellationToken: cancellationToken);
        };
    }

    /// <summary>Copies every output file into a fresh folder and lists the output objects with their versions.</summary>
    public async Task<OutputSnapshot> SnapshotOutputAsync(CancellationToken cancellationToken)
    {
        var folder = _temp.Combine("snapshots", (++_snapshots).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        var files = new List<string>();
        if (_container is null)
        {
            if (Directory.Exists(OutputFolder))
            {
                foreach (var file in Directory.EnumerateFiles(OutputFolder, "*", SearchOption.AllDirectories))
                {
                    var relative = Path.GetRelativePath(OutputFolder, file).Replace(Path.DirectorySeparatorChar, '/');
                    Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(folder, relative))!);
                    File.Copy(file, Path.Combine(folder, relative));
                    files.Add(relative);
                }
            }
        }
        else
        {
            await foreach (var blob in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = "output/" }, cancellationToken))
            {
                var relative = blob.Name["output/".Length..];
                var target = Path.Combine(folder, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                await _container.GetBlobClient(blob.Name).DownloadToAsync(target, cancellationToken);
                files.Add(relative);
            }
        }
        files.Sort(StringComparer.Ordinal);

        var objects = new Dictionary<string, StoredObject>(StringComparer.Ordinal);
        var store = ObjectStoreFactory.Create(Output, Options);
        if (files.Count > 0)
        {
            await foreach (var item in store.ListAsync("", cancellationToken))
            {
                objects[item.Path] = item;
            }
        }
        return new OutputSnapshot(folder, files, objects);
    }

    /// <summary>
    /// Every file (or blob) anywhere in the test's root folder (or container), relative to it: to show that a job
    /// wrote nothing outside its output, whatever the input's member names said.
    /// </summary>
    public async Task<IReadOnlyList<string>> EverythingAsync(CancellationToken cancellationToken)
    {
        var paths = new List<string>();
        if (_container is null)
        {
            paths.AddRange(Directory.EnumerateFiles(LocalRoot, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(LocalRoot, f).Replace(Path.DirectorySeparatorChar, '/')));
        }
        else
        {
            await foreach (var blob in _container.GetBlobsAsync(new GetBlobsOptions(), cancellationToken))
            {
                paths.Add(blob.Name);
            }
        }
        paths.Sort(StringComparer.Ordinal);
        return paths;
    }

    public void Dispose() => _temp.Dispose();
}
