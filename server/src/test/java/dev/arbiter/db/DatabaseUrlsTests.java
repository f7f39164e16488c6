package dev.arbiter.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.config.ArbiterConfig.DatabaseTarget;
import org.junit.jupiter.api.Test;

class DatabaseUrlsTests {

  @Test
  void shouldTurnAPostgresqlUrlIntoJdbcWithCredentialsApart() {
    DatabaseTarget t =
        DatabaseUrls.parse("postgresql://app:s%40cret@db.internal:6543/arbiter?sslmode=require");
    assertThat(t.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6543/arbiter?sslmode=require");
    assertThat(t.user()).isEqualTo("app");
    assertThat(t.password()).isEqualTo("s@cret");
  }

  @Test
  void shouldDefaultThePortAndAcceptThePostgresScheme() {
    DatabaseTarget t = DatabaseUrls.parse("postgres://app@db/arbiter");
    assertThat(t.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/arbiter");
    assertThat(t.password()).isNull();
  }

  @Test
  void shouldPassJdbcUrlsThrough() {
    DatabaseTarget t = DatabaseUrls.parse("jdbc:postgresql://h:5432/d?user=u&password=p");
    assertThat(t.jdbcUrl()).isEqualTo("jdbc:postgresql://h:5432/d?user=u&password=p");
  }

  @Test
  void shouldRefuseOtherSchemesAndMissingParts() {
    assertThatThrownBy(() -> DatabaseUrls.parse("mysql://h/d"))
        .hasMessageContaining("postgresql://");
    assertThatThrownBy(() -> DatabaseUrls.parse("postgresql://h")).hasMessageContaining("database");
    assertThatThrownBy(() -> DatabaseUrls.parse("postgresql:///d")).hasMessageContaining("host");
  }
}
