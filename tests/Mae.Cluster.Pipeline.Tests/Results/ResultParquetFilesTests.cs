using System.Runtime.CompilerServices;
using Mae.Cluster.Pipeline.Results;
using ParquetSharp;

namespace Mae.Cluster.Pipeline.Tests.Results;

/// <summary>Metadata and failure files, read back with ParquetSharp (Apache Arrow's C++ reader) as an independent check.</summary>
public sealed class ResultParquetFilesTests
{
    private static readonly MetadataRow[] Rows =
    [
        new("shard/000001", "shard/000001.jpg", 0.4375f, 640, 480, "two cats on a sofa"),
        new("shard/000002", "shard/000002.png", 1.25e-3f, 1, 65535),
        new("shard/ünïcode", "shard/ünïcode.webp", float.MaxValue, 224, 224, "légende"),
    ];

    [Fact]
    public async Task MetadataReadsBackInAnIndependentReaderWithItsTypesAndValues()
    {
        using var temp = new TempDirectory();
        var path = await WriteMetadataAsync(temp, Rows, includeMask: false);

        using var reader = new ParquetFileReader(path);
        var schema = reader.FileMetaData.Schema;

        Assert.Equal(3, reader.FileMetaData.NumRows);
        Assert.Equal(["key", "image_path", "mae_loss", "width", "height", "caption"], Enumerable.Range(0, schema.NumColumns).Select(i => schema.Column(i).Name));
        Assert.Equal(PhysicalType.Float, schema.Column(2).PhysicalType);
        Assert.Equal(PhysicalType.Int32, schema.Column(3).PhysicalType);
        Assert.Equal(Repetition.Required, schema.Column(0).SchemaNode.Repetition);
        Assert.Equal(Repetition.Optional, schema.Column(5).SchemaNode.Repetition);
        using var group = reader.RowGroup(0);
        Assert.Equal(Rows.Select(r => r.Key), group.Column(0).LogicalReader<string>().ReadAll(3));
        Assert.Equal(Rows.Select(r => r.ImagePath), group.Column(1).LogicalReader<string>().ReadAll(3));
        Assert.Equal(Rows.Select(r => r.MaeLoss!.Value), group.Column(2).LogicalReader<float>().ReadAll(3));
        Assert.Equal(Rows.Select(r => r.Width), group.Column(3).LogicalReader<int>().ReadAll(3));
        Assert.Equal(Rows.Select(r => r.Height), group.Column(4).LogicalReader<int>().ReadAll(3));
        Assert.Equal(Rows.Select(r => r.Caption), group.Column(5).LogicalReader<string?>().ReadAll(3));
    }

    [Fact]
    public async Task MaskColumnIsAListOfBoolsPerRowWhenAskedFor()
    {
        var masks = new[] { RandomMask(196, 1), RandomMask(196, 2), RandomMask(196, 3) };
        var rows = Rows.Select((r, i) => r with { Mask = masks[i] }).ToArray();
        using var temp = new TempDirectory();
        var path = await WriteMetadataAsync(temp, rows, includeMask: true);

        using var reader = new ParquetFileReader(path);
        var maskColumn = reader.FileMetaData.Schema.Column(6);
        using var group = reader.RowGroup(0);
        var read = group.Column(6).LogicalReader<bool[]>().ReadAll(3);

        Assert.Equal("mask", maskColumn.Path.ToDotVector()[0]);
        Assert.Equal(PhysicalType.Boolean, maskColumn.PhysicalType);
        Assert.Equal(masks, read);
    }

    [Fact]
    public async Task WithoutTheMaskOptionThereIsNoMaskColumn()
    {
        var rows = Rows.Select(r => r with { Mask = RandomMask(196, 4) }).ToArray();
        using var temp = new TempDirectory();
        var path = await WriteMetadataAsync(temp, rows, includeMask: false);

        using var reader = new ParquetFileReader(path);

        Assert.Equal(6, reader.FileMetaData.Schema.NumColumns);
    }

    [Fact]
    public async Task MaskOptionNeedsAMaskOnEveryRow()
    {
        using var stream = new MemoryStream();

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            ResultParquetFiles.WriteMetadataAsync(stream, Rows, includeMask: true, includeLoss: true, TestContext.Current.CancellationToken));

        Assert.Contains("Metadata row 0 (key 'shard/000001') has no mask", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public async Task FailuresReadBackInAnIndependentReader()
    {
        FailureRow[] failures =
        [
            new("a", "a.jpg", "empty image member"),
            new("b", "b.png", "truncated tar: member b.png ends after 10 of 20 bytes"),
        ];
        using var temp = new TempDirectory();
        var path = temp.Combine("failures_00000.parquet");
        await using (var file = File.Create(path))
        {
            await ResultParquetFiles.WriteFailuresAsync(file, failures, TestContext.Current.CancellationToken);
        }

        using var reader = new ParquetFileReader(path);
        using var group = reader.RowGroup(0);
        var schema = reader.FileMetaData.Schema;

        Assert.Equal(["key", "image_path", "error"], Enumerable.Range(0, schema.NumColumns).Select(i => schema.Column(i).Name));
        Assert.Equal(failures.Select(f => f.Key), group.Column(0).LogicalReader<string>().ReadAll(2));
        Assert.Equal(failures.Select(f => f.ImagePath), group.Column(1).LogicalReader<string>().ReadAll(2));
        Assert.Equal(failures.Select(f => f.Error), group.Column(2).LogicalReader<string>().ReadAll(2));
    }

    [Fact]
    public async Task ShardWithNoRowsGivesAReadableFileWithTheFullSchema()
    {
        using var temp = new TempDirectory();
        var path = await WriteMetadataAsync(temp, [], includeMask: false);

        using var reader = new ParquetFileReader(path);

        Assert.Equal(0, reader.FileMetaData.NumRows);
        Assert.Equal(6, reader.FileMetaData.Schema.NumColumns);
    }

    [Fact]
    public async Task SameRowsGiveByteIdenticalFiles()
    {
        var rows = Rows.Select((r, i) => r with { Mask = RandomMask(196, i) }).ToArray();
        FailureRow[] failures = [new("a", "a.jpg", "empty image member")];

        var first = await MetadataBytesAsync(rows);
        var second = await MetadataBytesAsync([.. rows.Select(r => r with { Mask = r.Mask!.ToList() })]);
        var firstFailures = await FailureBytesAsync(failures);
        var secondFailures = await FailureBytesAsync([new("a", "a.jpg", "empty image member")]);

        Assert.Equal(first, second);
        Assert.Equal(firstFailures, secondFailures);
        Assert.NotEqual(first, await MetadataBytesAsync([.. rows.Select(r => r with { MaeLoss = r.MaeLoss + 1 })]));
    }

    [Fact]
    public async Task OutputMatchesTheCommittedGoldenFilesByteForByte()
    {
        // Guards determinism across processes (string hashing is randomised per process) and across library updates.
        var rows = Rows.Select((r, i) => r with { Mask = RandomMask(16, i) }).ToArray();
        var metadata = await MetadataBytesAsync(rows);
        var failures = await FailureBytesAsync([new("a", "a.jpg", "empty image member"), new("b", "b/c.png", "duplicate key: 'b'")]);
        var directory = Path.Combine(SourceDirectory(), "data");
        if (Environment.GetEnvironmentVariable("MAE_UPDATE_GOLDEN") == "1")
        {
            await File.WriteAllBytesAsync(Path.Combine(directory, "metadata_golden.parquet"), metadata, TestContext.Current.CancellationToken);
            await File.WriteAllBytesAsync(Path.Combine(directory, "failures_golden.parquet"), failures, TestContext.Current.CancellationToken);
        }

        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(directory, "metadata_golden.parquet"), TestContext.Current.CancellationToken), metadata);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(directory, "failures_golden.parquet"), TestContext.Current.CancellationToken), failures);
    }

    [Fact]
    public async Task WritesToADestinationThatCannotSeek()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("failures_00001.parquet");
        await using (var file = File.Create(path))
        {
            await using var forwardOnly = new WriteOnlyStream(file);
            await ResultParquetFiles.WriteFailuresAsync(forwardOnly, [new("a", "a.jpg", "empty image member")], TestContext.Current.CancellationToken);
        }

        using var reader = new ParquetFileReader(path);

        Assert.Equal(1, reader.FileMetaData.NumRows);
    }

    private static string SourceDirectory([CallerFilePath] string sourceFile = "") => Path.GetDirectoryName(sourceFile)!;

    private static bool[] RandomMask(int patches, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, patches).Select(_ => random.NextDouble() < 0.75)];
    }

    private static async Task<string> WriteMetadataAsync(TempDirectory temp, IReadOnlyList<MetadataRow> rows, bool includeMask)
    {
        var path = temp.Combine("metadata_00000.parquet");
        await using var file = File.Create(path);
        await ResultParquetFiles.WriteMetadataAsync(file, rows, includeMask, includeLoss: true, TestContext.Current.CancellationToken);
        return path;
    }

    private static async Task<byte[]> MetadataBytesAsync(IReadOnlyList<MetadataRow> rows)
    {
        using var stream = new MemoryStream();
        await ResultParquetFiles.WriteMetadataAsync(stream, rows, includeMask: true, includeLoss: true, TestContext.Current.CancellationToken);
        return stream.ToArray();
    }

    private static async Task<byte[]> FailureBytesAsync(IReadOnlyList<FailureRow> rows)
    {
        using var stream = new MemoryStream();
        await ResultParquetFiles.WriteFailuresAsync(stream, rows, TestContext.Current.CancellationToken);
        return stream.ToArray();
    }

    /// <summary>An upload-like destination: it forwards writes and cannot seek or tell its position.</summary>
    private sealed class WriteOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(buffer, cancellationToken);
    }
}
