using System.IO.Compression;
using Mae.Cluster.Storage.Formats;
using Mae.Cluster.Storage.Tests.Formats.Support;

namespace Mae.Cluster.Storage.Tests.Formats;

/// <summary>Broken and hostile tar shards: each must end in a specific failure, never a crash, hang or unbounded allocation.</summary>
public sealed class WebDatasetHostileTarTests
{
    [Fact]
    public async Task StreamEndingInsideAMemberFailsThatSampleAndStopsAfterTheGoodOnes()
    {
        var whole = new TarBuilder()
            .Add("a.jpg", Samples.Image(1))
            .Add("b.jpg", Samples.Image(2))
            .Add("c.jpg", Samples.Image(3, 2000))
            .Add("d.jpg", Samples.Image(4))
            .End().ToArray();
        var cut = whole[..((3 * 1024) + 512 + 1234)];

        var samples = await Samples.ReadAllAsync(cut);

        Assert.Equal(["a", "b", "c"], samples.Select(s => s.Key));
        Assert.True(samples[0].Succeeded && samples[1].Succeeded);
        Assert.Equal(WebDatasetSampleErrorKind.TruncatedMember, samples[2].ErrorKind);
        Assert.Equal("truncated tar: member c.jpg ends after 1234 of 2000 bytes", samples[2].Error);
        Assert.Null(samples[2].ImageBytes);
    }

    [Fact]
    public async Task StreamEndingInsideACaptionFailsTheWholeSample()
    {
        var whole = new TarBuilder().Add("a.jpg", Samples.Image(1)).Add("a.txt", new string('c', 900)).End().ToArray();
        var cut = whole[..(1536 + 512 + 100)];

        var sample = Assert.Single(await Samples.ReadAllAsync(cut));

        Assert.Equal("truncated tar: member a.txt ends after 100 of 900 bytes", sample.Error);
        Assert.Null(sample.ImageBytes);
    }

    [Fact]
    public async Task StreamEndingInsideAHeaderIsAShardErrorAfterTheGoodSamples()
    {
        var whole = new TarBuilder().Add("a.jpg", Samples.Image(1)).Add("b.jpg", Samples.Image(2)).Add("c.jpg", Samples.Image(3)).End().ToArray();
        var cut = whole[..(3072 + 300)];

        var (samples, error) = await Samples.ReadUntilErrorAsync(cut, new WebDatasetReadOptions { SourceName = "s-0001.tar" });

        Assert.Equal(["a", "b"], samples.Select(s => s.Key));
        Assert.Equal(2, error.SamplesRead);
        Assert.Equal(3072, error.ByteOffset);
        Assert.StartsWith("s-0001.tar: truncated tar: the stream ends inside the member header at offset 3072", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeaderWithABadChecksumIsAShardErrorCountingTheSamplesRead()
    {
        var tar = new TarBuilder()
            .Add("a.jpg", Samples.Image(1)).Add("a.txt", "one")
            .Raw(TarBuilder.Header("b.jpg", 0, corruptChecksum: true))
            .Add("c.jpg", Samples.Image(3))
            .End().ToArray();

        var (samples, error) = await Samples.ReadUntilErrorAsync(tar);

        var sample = Assert.Single(samples);
        Assert.True(sample.Succeeded);
        Assert.Equal(1, error.SamplesRead);
        Assert.Contains("corrupt tar: the header at offset 2560 has a bad checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GarbageWhereAHeaderShouldBeIsAShardError()
    {
        var garbage = new byte[512];
        new Random(7).NextBytes(garbage);
        var tar = new TarBuilder().Add("a.jpg", Samples.Image(1)).Raw(garbage).End().ToArray();

        var (samples, error) = await Samples.ReadUntilErrorAsync(tar);

        Assert.Single(samples);
        Assert.Contains("bad checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MemberNamedWithParentDirectoryIsAnUnsafeNameFailure()
    {
        var tar = new TarBuilder().Add("../x.jpg", Samples.Image(1)).Add("ok.jpg", Samples.Image(2)).End().ToArray();

        var samples = await Samples.ReadAllAsync(tar);

        Assert.Equal(WebDatasetSampleErrorKind.UnsafeMemberName, samples[0].ErrorKind);
        Assert.StartsWith("unsafe member name: '../x'", samples[0].Error, StringComparison.Ordinal);
        Assert.Null(samples[0].ImageBytes);
        Assert.True(samples[1].Succeeded);
    }

    [Fact]
    public async Task ParentDirectorySegmentsInsideThePathAreAnUnsafeNameFailure()
    {
        var tar = new TarBuilder().Add("a/../../b.jpg", Samples.Image(1)).End().ToArray();

        var sample = Assert.Single(await Samples.ReadAllAsync(tar));

        Assert.Equal(WebDatasetSampleErrorKind.UnsafeMemberName, sample.ErrorKind);
        Assert.Equal("a/%2E%2E/%2E%2E/b", sample.Key);
    }

    [Fact]
    public async Task AbsoluteMemberNameIsMadeRelative()
    {
        var tar = new TarBuilder().Add("/etc/passwd", "root:x:0:0").Add("/etc/passwd.jpg", Samples.Image(1)).End().ToArray();

        var sample = Assert.Single(await Samples.ReadAllAsync(tar));

        // "/etc/passwd" has no extension, so it belongs to no sample; the image's key loses its leading '/'.
        Assert.True(sample.Succeeded);
        Assert.Equal("etc/passwd", sample.Key);
    }

    [Fact]
    public async Task NulInsideAMemberNameIsAnUnsafeNameFailure()
    {
        var tar = new TarBuilder()
            .Pax([new("path", "evil\0/../x.jpg")]).Add("placeholder.jpg", Samples.Image(1))
            .GnuLongName("a\0b.jpg").Add("././@placeholder", Samples.Image(2))
            .End().ToArray();

        var samples = await Samples.ReadAllAsync(tar);

        Assert.Equal(2, samples.Count);
        Assert.All(samples, s => Assert.Equal(WebDatasetSampleErrorKind.UnsafeMemberName, s.ErrorKind));
        Assert.Equal("evil%00/%2E%2E/x", samples[0].Key);
        Assert.Equal(@"evil\x00/../x.jpg", samples[0].ImageMemberName);
        Assert.Equal("a%00b", samples[1].Key);
    }

    [Fact]
    public async Task BackslashInAMemberNameIsAnUnsafeNameFailure()
    {
        var tar = new TarBuilder().Add(@"win\evil\x.jpg", Samples.Image(1)).End().ToArray();

        var sample = Assert.Single(await Samples.ReadAllAsync(tar));

        Assert.Equal(WebDatasetSampleErrorKind.UnsafeMemberName, sample.ErrorKind);
        Assert.Equal("win%5Cevil%5Cx", sample.Key);
    }

    [Theory]
    [InlineData("../x.jpg")]
    [InlineData("/etc/passwd.jpg")]
    [InlineData("a/../../b.jpg")]
    [InlineData("a\\..\\..\\b.jpg")]
    [InlineData("C:/Windows/x.jpg")]
    [InlineData("./././a//b/./c.jpg")]
    public async Task EveryKeyStaysInsideAnOutputFolderWhenUsedAsARelativePath(string memberName)
    {
        var tar = new TarBuilder().Pax([new("path", memberName)]).Add("placeholder.jpg", Samples.Image(1)).End().ToArray();
        var root = Path.Combine(Path.GetTempPath(), "mae-output-root");

        var sample = Assert.Single(await Samples.ReadAllAsync(tar));

        var full = Path.GetFullPath(Path.Combine(root, sample.Key + ".npy"));
        Assert.StartsWith(root + Path.DirectorySeparatorChar, full, StringComparison.Ordinal);
        Assert.False(Path.IsPathRooted(sample.Key));
        Assert.DoesNotContain('\\', sample.Key);
        Assert.DoesNotContain(sample.Key.Split('/'), segment => segment is "" or "." or "..");
    }

    [Fact]
    public async Task MemberWithoutExtensionAndAnUnsafeNameIsIgnored()
    {
        var tar = new TarBuilder().Add("../x", "payload").Add("a.jpg", Samples.Image(1)).End().ToArray();

        var sample = Assert.Single(await Samples.ReadAllAsync(tar));

        Assert.Equal("a", sample.Key);
    }

    [Fact]
    public async Task SymbolicLinkWithAnImageExtensionIsAFailureForItsKey()
    {
        var tar = new TarBuilder()
            .AddHeaderOnly("s.jpg", '2', "/etc/shadow").Add("s.txt", "caption")
            .Add("t.jpg", Samples.Image(1))
            .End().ToArray();

        var samples = await Samples.ReadAllAsync(tar);

        Assert.Equal(["s", "t"], samples.Select(s => s.Key));
        Assert.Equal(WebDatasetSampleErrorKind.SymbolicLink, samples[0].ErrorKind);
        Assert.Equal("member is a symbolic link (to '/etc/shadow')", samples[0].Error);
        Assert.True(samples[1].Succeeded);
    }

    [Fact]
    public async Task HardLinkWithAnImageExtensionIsAFailureForItsKey()
    {
        var tar = new TarBuilder().Add("a.jpg", Samples.Image(1)).AddHeaderOnly("h.png", '1', "a.jpg").End().ToArray();

        var samples = await Samples.ReadAllAsync(tar);

        Assert.Equal(WebDatasetSampleErrorKind.HardLink, samples[1].ErrorKind);
        Assert.Equal("member is a hard link (to 'a.jpg')", samples[1].Error);
    }

    [Fact]
    public async Task DirectoriesDevicesFifosAndLinksWithoutAnImageExtensionAreSkipped()
    {
        var tar = new TarBuilder()
            .AddHeaderOnly("dir/", '5')
            .AddHeaderOnly("dir/tty.jpg", '3')
            .AddHeaderOnly("dir/sda.jpg", '4')
            .AddHeaderOnly("dir/pipe.jpg", '6')
            .AddHeaderOnly("dir/link.txt", '2', "/etc/passwd")
            .AddHeaderOnly("dir/hard.json", '1', "dir/a.jpg")
            .Add("dir/a.jpg", Samples.Image(1))
            .End().ToArray();

        var sample = Assert.Single(await Samples.ReadAllAsync(tar));

        Assert.Equal("dir/a", sample.Key);
        Assert.True(sample.Succeeded);
    }

    [Fact]
    public async Task DeviceWithAHugeSizeFieldCarriesNoData()
    {
        // Header-only kinds carry no data whatever their size field says, as in GNU tar.
        var tar = new TarBuilder().Add("dev.jpg", [], '3', sizeField: 1L << 40).Add("a.jpg", Samples.Image(1)).End().ToArray();

        var sample = Assert.Single(await Samples.ReadAllAsync(tar));

        Assert.Equal("a", sample.Key);
    }

    [Fact]
    public async Task SparseOrUnknownMemberWithAnImageExtensionIsAFailure()
    {
        var tar = new TarBuilder().Add("s.jpg", Samples.Image(1), 'S', gnuMagic: true).Add("a.jpg", Samples.Image(2)).End().ToArray();

        var samples = await Samples.ReadAllAsync(tar);

        Assert.Equal(WebDatasetSampleErrorKind.NotRegularFile, samples[0].ErrorKind);
        Assert.Equal("member is not a regular file (tar type 'S')", samples[0].Error);
        Assert.Equal(Samples.Image(2), samples[1].ImageBytes);
    }

    [Fact]
    public async Task KeyRepeatedLaterInTheShardIsADuplicateAndTheFirstIsKept()
    {
        var tar = new TarBuilder()
            .Add("k.jpg", Samples.Image(1)).Add("k.txt", "first")
            .Add("other.jpg", Samples.Image(2))
            .Add("k.png", Samples.Image(3)).Add("k.txt", "second")
            .End().ToArray();

        var samples = await Samples.ReadAllAsync(tar);

        Assert.Equal(["k", "other", "k"], samples.Select(s => s.Key));
        Assert.Equal(Samples.Image(1), samples[0].ImageBytes);
        Assert.Equal("first", samples[0].Caption);
        Assert.Equal(WebDatasetSampleErrorKind.DuplicateKey, samples[2].ErrorKind);
        Assert.Equal("duplicate key: 'k' already appeared earlier in the shard; the first sample is kept", samples[2].Error);
        Assert.Equal("k.png", samples[2].ImageMemberName);
        Assert.Null(samples[2].ImageBytes);
    }

    [Fact]
    public async Task SecondImageInOneSampleIsADuplicateAndTheFirstIsKept()
    {
        var tar = new TarBuilder().Add("k.jpg", Samples.Image(1)).Add("k.png", Samples.Image(2)).Add("k.txt", "cap").End().ToArray();

        var samples = await Samples.ReadAllAsync(tar);

        // The extra image's failure is yielded as soon as it is met, before the sample it duplicates.
        Assert.Equal(2, samples.Count);
        Assert.Equal("k", samples[0].Key);
        Assert.Equal("k.png", samples[0].ImageMemberName);
        Assert.Equal(WebDatasetSampleErrorKind.DuplicateKey, samples[0].ErrorKind);
        Assert.StartsWith("duplicate key: sample 'k' already has the image member 'k.jpg'", samples[0].Error, StringComparison.Ordinal);
        Assert.Equal(Samples.Image(1), samples[1].ImageBytes);
        Assert.Equal("cap", samples[1].Caption);
    }

    [Fact]
    public async Task SpellingsOfOneKeyThatNormaliseAlikeAreDuplicates()
    {
        var tar = new TarBuilder().Add("./d/a.jpg", Samples.Image(1)).Add("d//a.png", Samples.Image(2)).End().ToArray();

        var samples = await Samples.ReadAllAsync(tar);

        Assert.Equal(["d/a", "d/a"], samples.Select(s => s.Key));
        Assert.True(samples[0].Succeeded);
        Assert.Equal(WebDatasetSampleErrorKind.DuplicateKey, samples[1].ErrorKind);
    }

    [Fact]
    public async Task EmptyImageMemberIsAFailure()
    {
        var tar = new TarBuilder().Add("e.jpg", []).Add("f.jpg", Samples.Image(1)).End().ToArray();

        var samples = await Samples.ReadAllAsync(tar);

        Assert.Equal(WebDatasetSampleErrorKind.EmptyImage, samples[0].ErrorKind);
        Assert.Equal("empty image member", samples[0].Error);
        Assert.True(samples[1].Succeeded);
    }

    [Fact]
    public async Task ImageAboveTheSizeLimitIsAFailureAndTheNextSampleIsRead()
    {
        var tar = new TarBuilder().Add("big.jpg", Samples.Image(1, 5000)).Add("small.jpg", Samples.Image(2, 4000)).End().ToArray();

        var samples = await Samples.ReadAllAsync(tar, new WebDatasetReadOptions { MaxImageBytes = 4096 });

        Assert.Equal(WebDatasetSampleErrorKind.ImageTooLarge, samples[0].ErrorKind);
        Assert.Equal("member is 5000 bytes, above the limit of 4096", samples[0].Error);
        Assert.Equal(Samples.Image(2, 4000), samples[1].ImageBytes);
    }

    [Fact]
    public async Task SampleWithoutAnImageIsAFailureNamingItsMembers()
    {
        var tar = new TarBuilder().Add("n.txt", "orphan caption").Add("n.json", "{}").Add("y.jpg", Samples.Image(1)).End().ToArray();

        var samples = await Samples.ReadAllAsync(tar);

        Assert.Equal(WebDatasetSampleErrorKind.NoImageMember, samples[0].ErrorKind);
        Assert.Equal("sample has no image member (members: n.txt, n.json)", samples[0].Error);
        Assert.Null(samples[0].ImageMemberName);
    }

    [Fact]
    public async Task KeyLongerThanTheLimitIsAFailure()
    {
        var name = new string('k', 80) + ".jpg";
        var tar = new TarBuilder().Add(name, Samples.Image(1)).End().ToArray();

        var sample = Assert.Single(await Samples.ReadAllAsync(tar, new WebDatasetReadOptions { MaxKeyLength = 64 }));

        Assert.Equal(WebDatasetSampleErrorKind.KeyTooLong, sample.ErrorKind);
        Assert.Equal(64, sample.Key.Length);
    }

    [Fact]
    public async Task JpegNamedTarIsNotATarFile()
    {
        var jpeg = Samples.Image(1, 5000);

        var (samples, error) = await Samples.ReadUntilErrorAsync(jpeg);

        Assert.Empty(samples);
        Assert.Equal(0, error.SamplesRead);
        Assert.Equal("not a tar file: its first 512-byte block is not a valid tar header (it looks like a JPEG image) (0 samples were read before it)", error.Message);
    }

    [Fact]
    public async Task RandomBytesAreNotATarFile()
    {
        var bytes = new byte[100_000];
        new Random(1).NextBytes(bytes);

        var (_, error) = await Samples.ReadUntilErrorAsync(bytes);

        Assert.StartsWith("not a tar file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShortFileIsNotATarFile()
    {
        var (_, error) = await Samples.ReadUntilErrorAsync("hello"u8.ToArray());

        Assert.StartsWith("not a tar file: it is only 5 bytes long", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyStreamIsNotATarFile()
    {
        var (_, error) = await Samples.ReadUntilErrorAsync([]);

        Assert.StartsWith("not a tar file: it is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task XzCompressedDataIsNotATarFileAndSaysWhy()
    {
        byte[] xz = [0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0, .. new byte[600]];

        var (_, error) = await Samples.ReadUntilErrorAsync(xz);

        Assert.Contains("xz-compressed data (only gzip compression is supported)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GzippedNonTarIsNotATarFile()
    {
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(Samples.Image(1, 3000), TestContext.Current.CancellationToken);
        }

        var (_, error) = await Samples.ReadUntilErrorAsync(compressed.ToArray());

        Assert.StartsWith("not a tar file: its first 512-byte block is not a valid tar header (after gzip decompression) (it looks like a JPEG image)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedPaxHeaderIsAShardErrorAndIsNotAllocated()
    {
        // The header claims 1 TiB of PAX records; the reader must refuse before allocating or reading them.
        var tar = new TarBuilder().Add("a.jpg", Samples.Image(1)).Raw(TarBuilder.Header("PaxHeaders/x", 1L << 40, 'x')).End().ToArray();

        var (samples, error) = await Samples.ReadUntilErrorAsync(tar);

        Assert.Single(samples);
        Assert.Contains("the PAX extended header at offset 1536 is 1099511627776 bytes, above the limit of 65536", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedGnuLongNameIsAShardError()
    {
        var tar = new TarBuilder().Raw(TarBuilder.Header("././@LongLink", 10_000_000, 'L', gnuMagic: true)).End().ToArray();

        var (_, error) = await Samples.ReadUntilErrorAsync(tar);

        Assert.Contains("GNU long name at offset 0 is 10000000 bytes, above the limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EndlessChainOfPaxHeadersIsAShardError()
    {
        var builder = new TarBuilder();
        for (var i = 0; i < 200; i++)
        {
            builder.Pax([new($"key{i}", new string('v', 1000))]);
        }

        var (_, error) = await Samples.ReadUntilErrorAsync(builder.Add("a.jpg", Samples.Image(1)).End().ToArray());

        Assert.Contains("above the limit of 65536", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedPaxRecordIsAShardError()
    {
        var tar = new TarBuilder().Add("PaxHeaders/x", "99 path=x.jpg\n"u8.ToArray(), 'x').Add("x.jpg", Samples.Image(1)).End().ToArray();

        var (_, error) = await Samples.ReadUntilErrorAsync(tar);

        Assert.Contains("malformed PAX record", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoneZeroBlockFollowedByMoreDataIsAShardError()
    {
        var tar = new TarBuilder().Add("a.jpg", Samples.Image(1)).Raw(new byte[512]).Add("b.jpg", Samples.Image(2)).End().ToArray();

        var (samples, error) = await Samples.ReadUntilErrorAsync(tar);

        Assert.Single(samples);
        Assert.Contains("a lone zero block at offset 1536", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamEndingInsideAMemberOfNoSampleIsAShardError()
    {
        var whole = new TarBuilder().Add("a.jpg", Samples.Image(1)).Add("README", new string('r', 3000)).End().ToArray();

        var (samples, error) = await Samples.ReadUntilErrorAsync(whole[..(1536 + 512 + 1000)]);

        Assert.Single(samples);
        Assert.Contains("truncated tar: member README ends after 1000 of 3000 bytes", error.Message, StringComparison.Ordinal);
    }
}
