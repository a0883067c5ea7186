using System.Globalization;
using Mae.Cluster.Pipeline.Results;
using ParquetSharp;

namespace Mae.Cluster.Pipeline.Tests.Results;

/// <summary>
/// Many shards' result files written at once on every core while every core is also kept busy, each file read back
/// whole by ParquetSharp (Apache Arrow's C++ reader, not the Parquet.Net writer) and compared row by row with what
/// was written. Parquet.Net's schema constructor writes the levels of the fields it is given, so writers that shared
/// field objects corrupted each other's definition levels (a null caption written as "present"); only a busy machine
/// widens that window enough to see it, hence the load.
/// </summary>
public sealed class ConcurrentResultWritesTests
{
    private const int Files = 4000;

    [Fact]
    public async Task ConcurrentMetadataAndFailureWritesEachReadBackRowForRowUnderLoad()
    {
        using var load = CpuLoad.OnEveryCore(BusyWork);
        // Someone asking for the schema meanwhile (a reader checking a file, say) must not disturb a write either.
        using var schemaReaders = new CpuLoad(1, () => ResultParquetFiles.MetadataSchema(includeMask: true));
        var cancellationToken = TestContext.Current.CancellationToken;
        var wrong = new List<string>();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount * 4, CancellationToken = cancellationToken };

        await Parallel.ForEachAsync(Enumerable.Range(0, Files), parallel, async (file, token) =>
        {
            string? problem;
            try
            {
                problem = file % 3 == 2 ? await CheckFailuresAsync(file, token) : await CheckMetadataAsync(file, includeMask: file % 3 == 1, token);
            }
            catch (InvalidOperationException e)
            {
                // Parquet.Net itself sometimes notices the levels changing under it.
                problem = $"file {file}: the write failed: {e.Message}";
            }
            if (problem is not null)
            {
                lock (wrong)
                {
                    wrong.Add(problem);
                }
            }
        });

        Assert.True(wrong.Count == 0, $"{wrong.Count} of {Files} files did not read back as written, e.g.:\n{string.Join('\n', wrong.Take(5))}");
        Assert.True(load.Rounds > 0 && schemaReaders.Rounds > 0, "The load threads never ran.");
    }

    private static async Task<string?> CheckMetadataAsync(int file, bool includeMask, CancellationToken cancellationToken)
    {
        var rows = MetadataRows(file, includeMask);
        using var buffer = new MemoryStream();
        await ResultParquetFiles.WriteMetadataAsync(buffer, rows, includeMask, includeLoss: true, cancellationToken);
        buffer.Position = 0;
        try
        {
            using var reader = new ParquetFileReader(buffer, leaveOpen: true);
            using var group = reader.RowGroup(0);
            var n = rows.Length;
            if (reader.FileMetaData.NumRows != n)
            {
                return $"metadata {file}: {reader.FileMetaData.NumRows} rows, wrote {n}";
            }
            var keys = group.Column(0).LogicalReader<string>().ReadAll(n);
            var paths = group.Column(1).LogicalReader<string>().ReadAll(n);
            var losses = group.Column(2).LogicalReader<float>().ReadAll(n);
            var widths = group.Column(3).LogicalReader<int>().ReadAll(n);
            var heights = group.Column(4).LogicalReader<int>().ReadAll(n);
            var captions = group.Column(5).LogicalReader<string?>().ReadAll(n);
            var masks = includeMask ? group.Column(6).LogicalReader<bool[]>().ReadAll(n) : null;
            for (var i = 0; i < n; i++)
            {
                var row = rows[i];
                if (keys[i] != row.Key || paths[i] != row.ImagePath || !losses[i].Equals(row.MaeLoss) || widths[i] != row.Width
                    || heights[i] != row.Height || captions[i] != row.Caption || (masks is not null && !masks[i].SequenceEqual(row.Mask!)))
                {
                    return $"metadata {file} row {i}: read ({keys[i]}, {paths[i]}, {losses[i]}, {widths[i]}, {heights[i]}, {captions[i] ?? "null"}), wrote {row}";
                }
            }
            return null;
        }
        catch (ParquetException e)
        {
            return $"metadata {file} (mask {includeMask}): unreadable: {e.Message}";
        }
    }

    private static async Task<string?> CheckFailuresAsync(int file, CancellationToken cancellationToken)
    {
        var rows = Enumerable.Range(0, 1 + (file % 4))
            .Select(i => new FailureRow($"f{file}/{i}", $"f{file}/{i}.jpg", $"error {i} of file {file}")).ToArray();
        using var buffer = new MemoryStream();
        await ResultParquetFiles.WriteFailuresAsync(buffer, rows, cancellationToken);
        buffer.Position = 0;
        try
        {
            using var reader = new ParquetFileReader(buffer, leaveOpen: true);
            using var group = reader.RowGroup(0);
            var read = group.Column(0).LogicalReader<string>().ReadAll(rows.Length)
                .Zip(group.Column(1).LogicalReader<string>().ReadAll(rows.Length), group.Column(2).LogicalReader<string>().ReadAll(rows.Length))
                .Select(t => new FailureRow(t.First, t.Second, t.Third));
            return read.SequenceEqual(rows) ? null : $"failures {file}: read back other rows";
        }
        catch (ParquetException e)
        {
            return $"failures {file}: unreadable: {e.Message}";
        }
    }

    /// <summary>Like a real shard: some captions present, some absent (the nullable column whose levels were corrupted).</summary>
    private static MetadataRow[] MetadataRows(int file, bool includeMask)
    {
        var random = new Random(file);
        return Enumerable.Range(0, 1 + (file % 7)).Select(i => new MetadataRow(
            $"s{file}/{i:D6}", $"s{file}/{i:D6}.jpg", (float)random.NextDouble() * 4, 1 + random.Next(4000), 1 + random.Next(4000),
            (file + i) % 3 == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"caption {i} of {file}"),
            includeMask ? [.. Enumerable.Range(0, 16).Select(_ => random.NextDouble() < 0.75)] : null)).ToArray();
    }

    private static void BusyWork()
    {
        var x = 1.0;
        for (var i = 0; i < 100_000; i++)
        {
            x = Math.Sqrt(x + i);
        }
        GC.KeepAlive(x);
    }

    /// <summary>Threads repeating some work for the test's duration, so writers are preempted mid-operation as on a busy silo.</summary>
    private sealed class CpuLoad : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread[] _threads;
        private readonly Action _work;
        private long _rounds;

        public CpuLoad(int threads, Action work)
        {
            _work = work;
            _threads = [.. Enumerable.Range(0, threads).Select(_ => new Thread(Repeat) { IsBackground = true })];
            foreach (var thread in _threads)
            {
                thread.Start();
            }
        }

        public long Rounds => Interlocked.Read(ref _rounds);

        public static CpuLoad OnEveryCore(Action work) => new(Environment.ProcessorCount, work);

        public void Dispose()
        {
            _stop.Cancel();
            foreach (var thread in _threads)
            {
                thread.Join();
            }
            _stop.Dispose();
        }

        private void Repeat()
        {
            while (!_stop.IsCancellationRequested)
            {
                _work();
                Interlocked.Increment(ref _rounds);
            }
        }
    }
}
