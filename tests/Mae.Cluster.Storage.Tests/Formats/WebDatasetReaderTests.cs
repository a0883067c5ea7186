using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Mae.Cluster.Storage.Formats;
using Mae.Cluster.Storage.Tests.Formats.Support;

namespace Mae.Cluster.Storage.Tests.Formats;

/// <summary>WebDataset shards that are well formed: grouping, order, captions, metadata, tar variants, gzip.</summary>
public sealed class WebDatasetReaderTests
{
    [Fact]
    public async Task ConsecutiveMembersWithOneKeyFormOneSampleInArchiveOrder()
    {
        var tar = new TarBuilder()
            .Add("shard/000002.jpg", Samples.Image(2)).Add("shard/000002.txt", "two")
            .Add("shard/000001.txt", "one").Add("shard/000001.png", Samples.Image(1))
            .Add("shard/000003.webp", Samples.Image(3))
            .End().ToArray();

        var samples = await Samples.ReadAllAsync(tar);

        Assert.Equal(["shard/000002", "shard/000001", "shard/000003"], samples.Select(s => s.Key));
        Assert.All(samples, s => Assert.True(s.Succeeded, s.Error));
        Assert.Equal(Samples.Image(2), samples[0].ImageBytes);
        Assert.Equal("shard/000002.jpg", samples[0].ImageMemberName);
        Assert.Equal("two", samples[0].Caption);
        Assert.Equal("one", samples[1].Caption);
        Assert.Equal(Samples.Image(1), samples[1].ImageBytes);
        Assert.Null(samples[2].Caption);
    }

    [Fact]
    public async Task KeyEndsAtTheFirstDotOfTheBasenameAndImageExtensionsIgnoreCase()
    {
        var tar = new TarBuilder()
            .Add("a.b/photo.JPEG", Samples.Image(1))
            .Add("a.b/photo.seg.png", Samples.Image(9))
            .Add("x/y.TiF", Samples.Image(2))
            .End().ToArray();

        var samples = await Samples.ReadAllAsync(tar);

        // "photo.seg.png" has extension "seg.png", which is not an image extension: it does not compete with photo.JPEG.
        Assert.Equal(["a.b/photo", "x/y"], samples.Select(s => s.Key));
        Assert.All(samples, s => Assert.True(s.Succeeded, s.Error));
        Assert.Equal("a.b/photo.JPEG", samples[0].ImageMemberName);
        Assert.Equal(Samples.Image(1), samples[0].ImageBytes);
    }

    [Fact]
    public async Task MembersWithoutAKeyAreIgnored()
    {
        var tar = new TarBuilder()
            .Add("README", "not a sample")
            .Add("dir/.hidden.jpg", Samples.Image(7))
            .Add("dir/a.jpg", Samples.Image(1))
            .End().ToArray();

        var samples = await Samples.ReadAllAsync(tar);

        var sample = Assert.Single(samples);
        Assert.Equal("dir/a", sample.Key);
    }

    [Fact]
    public async Task CaptionIsUtf8AndCutAtTheLimitWithoutSplittingACharacter()
    {
        var caption = "ééééé"; // 10 bytes of two-byte characters
        var tar = new TarBuilder()
            .Add("a.jpg", Samples.Image(1)).Add("a.txt", caption)
            .Add("b.jpg", Samples.Image(2)).Add("b.txt", "plain")
            .End().ToArray();

        var samples = await Samples.ReadAllAsync(tar, new WebDatasetReadOptions { MaxCaptionBytes = 5 });

        Assert.Equal("éé", samples[0].Caption);
        Assert.Equal("plain", samples[1].Caption);
    }

    [Fact]
    public async Task JsonIsKeptRawWhenSmallAndDroppedWhenAboveItsLimit()
    {
        var small = "{\"url\":\"http://example.invalid/a.jpg\"}";
        var large = "{\"big\":\"" + new string('x', 200) + "\"}";
        var tar = new TarBuilder()
            .Add("a.jpg", Samples.Image(1)).Add("a.json", small)
            .Add("b.jpg", Samples.Image(2)).Add("b.json", large).Add("b.txt", "after the json")
            .End().ToArray();

        var samples = await Samples.ReadAllAsync(tar, new WebDatasetReadOptions { MaxJsonBytes = 100 });
        var withoutJson = await Samples.ReadAllAsync(tar, new WebDatasetReadOptions { KeepJson = false });

        Assert.Equal(small, samples[0].Json);
        Assert.Null(samples[1].Json);
        Assert.Equal("after the json", samples[1].Caption);
        Assert.All(withoutJson, s => Assert.Null(s.Json));
    }

    [Fact]
    public async Task OtherMembersAreSkippedWithoutDisturbingTheSample()
    {
        var tar = new TarBuilder()
            .Add("a.cls", "3").Add("a.npy", new byte[5000]).Add("a.jpg", Samples.Image(1)).Add("a.txt", "cap")
            .Add("b.jpg", Samples.Image(2))
            .End().ToArray();

        var samples = await Samples.ReadAllAsync(tar);

        Assert.Equal(["a", "b"], samples.Select(s => s.Key));
        Assert.Equal(Samples.Image(1), samples[0].ImageBytes);
        Assert.Equal("cap", samples[0].Caption);
    }

    [Theory]
    [InlineData(TarEntryFormat.Gnu)]
    [InlineData(TarEntryFormat.Pax)]
    [InlineData(TarEntryFormat.Ustar)]
    [InlineData(TarEntryFormat.V7)]
    public async Task ReadsArchivesWrittenByTheBclTarWriter(TarEntryFormat format)
    {
        // Ustar splits long paths into prefix + name; GNU uses 'L' entries; PAX uses 'x' headers.
        var longDirectory = format == TarEntryFormat.V7 ? "d" : string.Join('/', Enumerable.Repeat("directory", format == TarEntryFormat.Ustar ? 12 : 40));
        var names = new[] { $"{longDirectory}/sample-000.jpg", $"{longDirectory}/sample-000.txt", $"{longDirectory}/sample-001.png" };
        var contents = new[] { Samples.Image(1), Encoding.UTF8.GetBytes("caption 0"), Samples.Image(2, 20_000) };
        using var archive = new MemoryStream();
        await using (var writer = new TarWriter(archive, format, leaveOpen: true))
        {
            for (var i = 0; i < names.Length; i++)
            {
                var entry = NewRegularEntry(format, names[i]);
                entry.DataStream = new MemoryStream(contents[i]);
                await writer.WriteEntryAsync(entry, TestContext.Current.CancellationToken);
            }
        }

        var samples = await Samples.ReadAllAsync(archive.ToArray());

        Assert.Equal([$"{longDirectory}/sample-000", $"{longDirectory}/sample-001"], samples.Select(s => s.Key));
        Assert.Equal(contents[0], samples[0].ImageBytes);
        Assert.Equal("caption 0", samples[0].Caption);
        Assert.Equal(contents[2], samples[1].ImageBytes);
        Assert.Equal(names[2], samples[1].ImageMemberName);
    }

    [Theory]
    [InlineData("gnu")]
    [InlineData("posix")]
    [InlineData("ustar")]
    public async Task ReadsArchivesWrittenByGnuTar(string format)
    {
        if (!File.Exists("/usr/bin/tar") && !File.Exists("/bin/tar"))
        {
            Assert.Skip("GNU tar is not installed");
        }

        using var temp = new TempDirectory();
        var root = temp.Path;
        {
            // 150 characters of directories: beyond the 100-byte name field, within ustar's prefix.
            var directory = string.Join('/', Enumerable.Repeat("abcdefghi", 15));
            Directory.CreateDirectory(Path.Combine(root, directory));
            await File.WriteAllBytesAsync(Path.Combine(root, directory, "k1.jpg"), Samples.Image(1), TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(root, directory, "k1.txt"), "ü caption", TestContext.Current.CancellationToken);
            await File.WriteAllBytesAsync(Path.Combine(root, directory, "k2.png"), Samples.Image(2, 3000), TestContext.Current.CancellationToken);
            var tarPath = Path.Combine(root, "shard.tar");
            RunTar(root, $"--format={format} --sort=name -cf shard.tar {directory.Split('/')[0]}");

            var samples = await Samples.ReadAllAsync(await File.ReadAllBytesAsync(tarPath, TestContext.Current.CancellationToken));

            Assert.Equal([$"{directory}/k1", $"{directory}/k2"], samples.Select(s => s.Key));
            Assert.Equal(Samples.Image(1), samples[0].ImageBytes);
            Assert.Equal("ü caption", samples[0].Caption);
            Assert.Equal(Samples.Image(2, 3000), samples[1].ImageBytes);
        }
    }

    [Fact]
    public async Task PaxPathAndSizeOverrideTheUstarFields()
    {
        var image = Samples.Image(5, 1500);
        var tar = new TarBuilder()
            .Pax([new("path", "pax/named/sample.jpg"), new("size", image.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))])
            .Add("ustar-name.jpg", image, sizeField: 1)
            .End().ToArray();

        var sample = Assert.Single(await Samples.ReadAllAsync(tar));

        Assert.Equal("pax/named/sample", sample.Key);
        Assert.Equal(image, sample.ImageBytes);
    }

    [Fact]
    public async Task PaxGlobalHeaderAppliesToEveryFollowingMember()
    {
        var tar = new TarBuilder()
            .Pax([new("comment", "made by a test")], global: true)
            .Add("a.jpg", Samples.Image(1))
            .Add("b.jpg", Samples.Image(2))
            .End().ToArray();

        var samples = await Samples.ReadAllAsync(tar);

        Assert.Equal(["a", "b"], samples.Select(s => s.Key));
    }

    [Fact]
    public async Task GzipCompressedTarIsReadByItsMagicWhateverItsName()
    {
        var tar = new TarBuilder()
            .Add("a.jpg", Samples.Image(1)).Add("a.txt", "first")
            .Add("b.jpg", Samples.Image(2, 100_000))
            .End().ToArray();
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            await gzip.WriteAsync(tar, TestContext.Current.CancellationToken);
        }

        var samples = await Samples.ReadAllAsync(compressed.ToArray(), new WebDatasetReadOptions { SourceName = "shard-00000.tar" });

        Assert.Equal(["a", "b"], samples.Select(s => s.Key));
        Assert.Equal("first", samples[0].Caption);
        Assert.Equal(Samples.Image(2, 100_000), samples[1].ImageBytes);
    }

    [Fact]
    public async Task CorruptGzipDataIsAShardLevelError()
    {
        var tar = new TarBuilder().Add("a.jpg", Samples.Image(1, 100_000)).End().ToArray();
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.NoCompression, leaveOpen: true))
        {
            await gzip.WriteAsync(tar, TestContext.Current.CancellationToken);
        }

        var bytes = compressed.ToArray();
        // A stored deflate block starts with a 5-byte header after the 10-byte gzip header; break its length check.
        bytes[13] ^= 0xFF;

        var (samples, error) = await Samples.ReadUntilErrorAsync(bytes);

        Assert.Empty(samples);
        Assert.Contains("gzip data is corrupt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingEndMarkerAtAMemberBoundaryIsTolerated()
    {
        var tar = new TarBuilder().Add("a.jpg", Samples.Image(1)).Add("b.jpg", Samples.Image(2)).ToArray();

        var samples = await Samples.ReadAllAsync(tar);

        Assert.Equal(["a", "b"], samples.Select(s => s.Key));
        Assert.All(samples, s => Assert.True(s.Succeeded));
    }

    [Fact]
    public async Task ReadingStopsAtTheTwoZeroBlockEndMarker()
    {
        var tar = new TarBuilder().Add("a.jpg", Samples.Image(1)).End().Raw(Encoding.ASCII.GetBytes(new string('#', 4096))).ToArray();

        var samples = await Samples.ReadAllAsync(tar);

        Assert.Single(samples);
    }

    [Fact]
    public async Task ArchiveOfOnlyAnEndMarkerHasNoSamples()
    {
        var samples = await Samples.ReadAllAsync(new byte[10240]);

        Assert.Empty(samples);
    }

    [Fact]
    public async Task StreamIsReadForwardOnlyAndNotBeyondTheEndMarker()
    {
        var tar = new TarBuilder().Add("a.jpg", Samples.Image(1, 200_000)).End().Raw(new byte[1 << 20]).ToArray();
        var stream = new ForwardOnlyStream(tar);

        await foreach (var _ in WebDatasetReader.ReadSamplesAsync(stream, cancellationToken: TestContext.Current.CancellationToken))
        {
        }

        // ForwardOnlyStream throws on any Seek/Position/Length use; the trailing megabyte is left unread (bar one buffer).
        Assert.True(stream.BytesRead < tar.Length - (900 << 10), $"read {stream.BytesRead} of {tar.Length} bytes");
    }

    [Fact]
    public async Task ManySamplesComeOutInArchiveOrderNotSortedOrder()
    {
        var keys = Enumerable.Range(0, 500).Select(i => $"k{(i * 7919) % 1000:D4}").ToArray();
        var builder = new TarBuilder();
        foreach (var key in keys)
        {
            builder.Add(key + ".jpg", Samples.Image((byte)key.Length, 64)).Add(key + ".txt", key);
        }

        var samples = await Samples.ReadAllAsync(builder.End().ToArray());

        Assert.Equal(keys, samples.Select(s => s.Key));
        Assert.Equal(keys, samples.Select(s => s.Caption));
    }

    [Fact]
    public async Task CancellationStopsReading()
    {
        var tar = new TarBuilder().Add("a.jpg", Samples.Image(1)).Add("b.jpg", Samples.Image(2)).End().ToArray();
        using var cancellation = new CancellationTokenSource();
        var read = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in WebDatasetReader.ReadSamplesAsync(new ForwardOnlyStream(tar), cancellationToken: cancellation.Token))
            {
                read++;
                await cancellation.CancelAsync();
            }
        });
        Assert.Equal(1, read);
    }

    private static TarEntry NewRegularEntry(TarEntryFormat format, string name) => format switch
    {
        TarEntryFormat.Gnu => new GnuTarEntry(TarEntryType.RegularFile, name),
        TarEntryFormat.Pax => new PaxTarEntry(TarEntryType.RegularFile, name),
        TarEntryFormat.Ustar => new UstarTarEntry(TarEntryType.RegularFile, name),
        _ => new V7TarEntry(TarEntryType.V7RegularFile, name),
    };

    private static void RunTar(string workingDirectory, string arguments)
    {
        var start = new ProcessStartInfo("tar", arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"tar {arguments} failed: {error}");
    }
}
