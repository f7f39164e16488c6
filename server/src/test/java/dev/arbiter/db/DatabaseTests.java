package dev.arbiter.db;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DatabaseTests {
  @Test
  void shouldNeverDescribeADatabaseWithItsCredentials() {
    assertThat(Database.withoutQuery("jdbc:postgresql://db:5432/arbiter?user=a&password=s3cret"))
        .isEqualTo("jdbc:postgresql://db:5432/arbiter");
    assertThat(Database.withoutQuery("jdbc:postgresql://db:5432/arbiter"))
        .isEqualTo("jdbc:postgresql://db:5432/arbiter");
  }
}
