using Mae.Cluster.Pipeline.Results;

namespace Mae.Cluster.Pipeline.Tests.Results;

/// <summary>The independent reader that result files are checked with before commit and by <c>mae verify</c>.</summary>
public sealed class ResultParquetReaderTests
{
    private static readonly MetadataRow[] Rows =
    [
        new("a/0", "a/0.jpg", 0.5f, 640, 480, "a caption", [true, false, true]),
        new("a/1", "a/1.png", float.NaN, 1, 2, null, [false, false, true]),
        new("a/2", "a/2.webp", 3.25f, 224, 224, null, [true, true, true]),
        new("a/3", "a/3.webp", 1e-3f, 30, 40, null, [false, true, false]),
        new("a/4", "a/4.webp", 2f, 50, 60, null, [true, false, false]),
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MetadataReadsBackValueForValue(bool includeMask)
    {
        var bytes = await MetadataAsync(Rows, includeMask);

        var read = ResultParquetReader.ReadMetadata(new MemoryStream(bytes));

        Assert.Equal(Rows.Length, read.Count);
        for (var i = 0; i < Rows.Length; i++)
        {
            Assert.Equal(Rows[i] with { Mask = null }, read[i] with { Mask = null });
            Assert.Equal(includeMask ? Rows[i].Mask : null, read[i].Mask);
        }
    }

    [Fact]
    public async Task FailuresReadBack()
    {
        FailureRow[] rows = [new("k", "k.jpg", "truncated image"), new("l", "l.tar", "not a tar file")];
        using var file = new MemoryStream();
        await ResultParquetFiles.WriteFailuresAsync(file, rows, TestContext.Current.CancellationToken);
        file.Position = 0;

        Assert.Equal(rows, ResultParquetReader.ReadFailures(file));
    }

    [Fact]
    public async Task TheCorruptionSeenUnderLoadIsUnreadable()
    {
        // Five rows whose captions are all null: one definition-level run "0a 00". The race wrote "0a 01" (present).
        var rows = Rows.Select(r => r with { Caption = null }).ToArray();
        var bytes = await MetadataAsync(rows, includeMask: false);
        CorruptFiles.MarkNullCaptionsPresent(bytes, rows.Length);

        var error = Assert.Throws<InvalidDataException>(() => ResultParquetReader.ReadMetadata(new MemoryStream(bytes)));

        Assert.StartsWith("Not a readable metadata file: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATruncatedFileIsUnreadable()
    {
        var bytes = await MetadataAsync(Rows, includeMask: false);

        var error = Assert.Throws<InvalidDataException>(() => ResultParquetReader.ReadMetadata(new MemoryStream(bytes, 0, bytes.Length - 40)));

        Assert.Contains("magic bytes not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailuresFileIsNotAMetadataFile()
    {
        using var file = new MemoryStream();
        await ResultParquetFiles.WriteFailuresAsync(file, [new("k", "k.jpg", "e")], TestContext.Current.CancellationToken);
        file.Position = 0;

        var error = Assert.Throws<InvalidDataException>(() => ResultParquetReader.ReadMetadata(file));

        Assert.Equal("Unexpected columns (key, image_path, error); expected key, image_path, mae_loss, width, height, caption, mask.", error.Message);
    }

    private static async Task<byte[]> MetadataAsync(IReadOnlyList<MetadataRow> rows, bool includeMask)
    {
        using var file = new MemoryStream();
        await ResultParquetFiles.WriteMetadataAsync(file, rows, includeMask, includeLoss: true, TestContext.Current.CancellationToken);
        return file.ToArray();
    }
}
