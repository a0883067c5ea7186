namespace Mae.Cluster.Cli.Tests;

/// <summary>
/// The README's <c>mae</c> command tables against the parser: every documented command, option and listed value is
/// accepted, every command has a row, and every option a command has is documented in its row. (The
/// <c>mae-bench</c> rows are checked the same way by the bench tests.)
/// </summary>
public sealed class ReadmeCommandTableTests
{
    private static readonly ReadmeCommandTable Table = new("mae", MaeCli.Build);

    public static TheoryData<string> Rows() => Table.RowData();

    [Theory]
    [MemberData(nameof(Rows))]
    public void EveryDocumentedOptionAndValueIsAcceptedAndEveryOptionIsDocumented(string row) => Table.AssertRowAgreesWithParser(row);

    [Fact]
    public void EveryCommandHasARow() => Table.AssertEveryCommandHasARow();
}
